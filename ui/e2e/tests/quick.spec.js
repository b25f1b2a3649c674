// The quick webhook form creates a working subscription.
const { test, expect, expectAccessible } = require('../fixtures');

test('the quick webhook form subscribes a URL to events', async ({ page, api, receiver }) => {
  await page.goto('/quick-webhook');
  await expect(page.getByRole('heading', { name: 'Quick webhook' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('Backups to ops');
  await page.getByLabel('Event type or pattern (wildcards: *)').fill('backup.*');
  await page.getByRole('button', { name: 'Add pattern' }).click();
  await expect(page.getByRole('list', { name: 'Chosen event types' })).toContainText('backup.*');
  await page.getByLabel('URL', { exact: true }).fill(receiver.url + '/quick');
  await expectAccessible(page, 'the quick webhook form');

  await page.getByRole('button', { name: 'Send Test' }).click();
  await expect(page.getByText('Notification successfully sent.')).toBeVisible();
  await receiver.waitFor((c) => c.url === '/quick');

  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL('/flows');
  await expect(page.getByRole('link', { name: 'Backups to ops', exact: true })).toBeVisible();
  await expect(page.getByRole('switch', { name: 'Enabled: Backups to ops' })).toBeChecked();
  await expect(page.getByRole('row', { name: /Backups to ops/ })).toContainText('v1');

  const sent = await api.post('/events', { event_type: 'backup.failed', data: { message: 'disk full' } });
  expect(sent.runs.length).toBe(1);
  const call = await receiver.waitFor((c) => c.url === '/quick' && c.body.includes('backup.failed'));
  const envelope = JSON.parse(call.body.toString());
  expect(envelope.event_type).toBe('backup.failed');
  expect(envelope.data).toEqual({ message: 'disk full' });

  // The full editor opens what the form made.
  await page.getByRole('link', { name: 'Modify Backups to ops' }).click();
  await expect(page.getByLabel('Flow name')).toHaveValue('Backups to ops');
  await page.getByRole('button', { name: /^Trigger/ }).click();
  await expect(page.getByRole('list', { name: 'Chosen event types' })).toContainText('backup.*');
});
