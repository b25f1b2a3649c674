// The main path: add a webhook flow, add an HTTP step, pick a variable from
// {{ autocomplete and see the preview, Test HTTP, a bad URL marked on its
// field with Publish disabled, save, reload, publish, trigger, watch the run.
const { test, expect, expectAccessible, shoot } = require('../fixtures');

/** fillTemplate replaces the text of a template field. */
async function fillTemplate(page, label, text) {
  const box = page.getByRole('textbox', { name: label, exact: true });
  await box.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  if (text) await page.keyboard.insertText(text);
  return box;
}

test('build, test, publish and run a webhook flow', async ({ page, receiver, server }) => {
  await page.goto('/flows');
  await expect(page.getByRole('heading', { name: 'No flows yet' })).toBeVisible();
  await expectAccessible(page, 'the empty flows page');

  await page.getByRole('button', { name: 'Add Flow' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Add Flow' });
  await dialog.getByLabel('Name').fill('Orders-hook');
  await dialog.getByLabel('Trigger type').selectOption('webhook');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(/\/flows\/new\?/);
  await expect(page.getByText('No steps yet')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();

  await page.getByRole('button', { name: 'Add step after the trigger' }).click();
  await expect(page.getByRole('heading', { name: /Step 1: HTTP request/ })).toBeVisible();

  // Type the URL, then {{ and pick flow_name from the completions.
  await fillTemplate(page, 'URL', `${receiver.url}/notify?flow=`);
  await page.keyboard.type('{{');
  const option = page.getByRole('option', { name: /^flow_name/ });
  await expect(option).toBeVisible();
  await option.click();
  const url = page.getByRole('textbox', { name: 'URL', exact: true });
  await expect(url).toHaveText(`${receiver.url}/notify?flow={{ flow_name }}`);
  await expect(page.getByLabel('Preview of URL')).toHaveText(`${receiver.url}/notify?flow=Orders-hook`);
  await expectAccessible(page, 'the editor');

  // Test HTTP sends the step now and the receiver gets it.
  await page.getByRole('button', { name: 'Test HTTP' }).click();
  await expect(page.getByText('Notification successfully sent.')).toBeVisible();
  const got = await receiver.waitFor((c) => c.url === '/notify?flow=Orders-hook');
  expect(got.method).toBe('POST');
  await expect(page.getByText('Request sent')).toBeVisible();

  // A bad URL is marked on its field and on the card; Publish is disabled.
  await fillTemplate(page, 'URL', 'ftp://example.com/x');
  await expect(url).toHaveAccessibleDescription(/.+/);
  await expect(page.getByRole('button', { name: /Step 1 · http.*1 problem/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();
  await expect(page.getByText('Fix 1 problem to publish.')).toBeVisible();

  // Fix it, save with the keyboard, reload: the draft is kept.
  await fillTemplate(page, 'URL', `${receiver.url}/notify?flow=`);
  await page.keyboard.type('{{');
  await page.getByRole('option', { name: /^flow_name/ }).click();
  await expect(page.getByText('Fix 1 problem to publish.')).toBeHidden();
  await expect(page.getByText('● Unsaved changes')).toBeVisible();
  await page.keyboard.press('ControlOrMeta+s');
  await expect(page.getByText('● Unsaved changes')).toBeHidden();
  await expect(page).toHaveURL(/\/flows\/[A-Za-z0-9_-]+$/);
  const flowId = new URL(page.url()).pathname.split('/')[2];
  await page.reload();
  await expect(page.getByRole('textbox', { name: 'URL', exact: true })).toHaveText(`${receiver.url}/notify?flow={{ flow_name }}`);
  await expect(page.getByLabel('Flow name')).toHaveValue('Orders-hook');
  await expect(page.getByText('Draft', { exact: true })).toBeVisible();

  // Publish: version 1, enabled.
  await expect(page.getByRole('button', { name: 'Publish' })).toBeEnabled();
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('p.notice')).toHaveText('Published as version 1 — enabled');
  await expect(page.getByText('v1', { exact: true })).toBeVisible();
  await expect(page.getByRole('switch', { name: 'Enabled' })).toBeChecked();
  await page.getByRole('button', { name: /^Trigger/ }).click();
  await expect(page.getByLabel('Webhook URL')).toHaveValue(new RegExp(`/hooks/${flowId}$`));
  await shoot(page, 'editor');

  // The flows list shows it published and enabled.
  await page.getByRole('link', { name: 'Flows', exact: true }).click();
  await expect(page.getByRole('link', { name: 'Orders-hook', exact: true })).toBeVisible();
  await expect(page.getByRole('switch', { name: 'Enabled: Orders-hook' })).toBeChecked();

  // Trigger it and watch the run succeed with its attempts.
  const hook = await fetch(`${server.url}/hooks/${flowId}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"message":"hi"}' });
  expect(hook.status).toBe(202);
  const run = await hook.json();
  await page.goto(`/flows/${flowId}/runs`);
  await page.getByRole('link', { name: run.run_id }).click();
  await expect(page).toHaveURL(`/runs/${run.run_id}`);
  await expect(page.locator('dl.facts .badge')).toHaveText('succeeded');
  const attempts = page.getByRole('table', { name: 'Attempts of http_1' });
  await expect(attempts.getByRole('cell', { name: 'HTTP 200' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Open in Temporal UI' })).toHaveAttribute('href', new RegExp(server.temporalUI));
  await expectAccessible(page, 'the run page');
});

test('undo and redo over the draft, and leaving with unsaved changes asks first', async ({ page, api, receiver }) => {
  const flow = await api.post('/flows', { name: 'Undo me', trigger: { type: 'manual' }, steps: [{ id: 'a', type: 'http', config: { url: receiver.url + '/a' } }] });
  await page.goto(`/flows/${flow.id}`);
  await page.getByLabel('Flow name').fill('Renamed');
  await page.getByRole('button', { name: 'Add step after a' }).click();
  await expect(page.getByRole('button', { name: /Step 2 · http/ })).toBeVisible();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('button', { name: /Step 2 · http/ })).toBeHidden();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByLabel('Flow name')).toHaveValue('Undo me');
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect(page.getByLabel('Flow name')).toHaveValue('Renamed');

  let asked = null;
  page.once('dialog', (d) => { asked = d.message(); d.dismiss(); });
  await page.getByRole('link', { name: 'Runs', exact: true }).first().click();
  await expect.poll(() => asked).toContain('unsaved changes');
  await expect(page).toHaveURL(`/flows/${flow.id}`);
});
