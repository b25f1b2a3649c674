// The main path with the keyboard alone: Tab to each control, Enter or
// Space to use it — add a flow, add a step, type its URL, save, publish,
// and switch it off again from the Flows page.
const { test, expect } = require('../fixtures');

/** tabTo presses Tab until target has the focus, failing after 60 presses. */
async function tabTo(page, target) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement))) return;
  }
  throw new Error(`Tab never reached ${target}`);
}

test('the main path works with the keyboard alone', async ({ page, receiver }) => {
  await page.goto('/flows');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();

  // The skip link is the first stop and leads into the page.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();

  await tabTo(page, page.getByRole('button', { name: 'Add Flow' }).first());
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Add Flow' });
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await page.keyboard.type('Keyboard only');
  await page.keyboard.press('Tab');
  await expect(dialog.getByLabel('Trigger type')).toBeFocused();
  await expect(dialog.getByLabel('Trigger type')).toHaveValue('webhook');
  await tabTo(page, dialog.getByRole('button', { name: 'Create' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/flows\/new\?/);

  await tabTo(page, page.getByRole('button', { name: 'Add step after the trigger' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /Step 1: HTTP request/ })).toBeVisible();
  const url = page.getByRole('textbox', { name: 'URL', exact: true });
  await tabTo(page, url);
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(`${receiver.url}/keys`);
  await expect(url).toHaveText(`${receiver.url}/keys`);

  // Tab leaves the template editor (it does not indent) and reaches Save.
  await tabTo(page, page.getByRole('button', { name: 'Save' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/flows\/[^/?]+$/);
  const publish = page.getByRole('button', { name: 'Publish' });
  await expect(publish).toBeEnabled();
  await tabTo(page, publish);
  await page.keyboard.press('Space');
  await expect(page.getByText('Published as version 1 — enabled', { exact: true })).toBeVisible();

  // On the Flows page, the enabled switch toggles with Space.
  await tabTo(page, page.getByRole('link', { name: 'Flows', exact: true }));
  await page.keyboard.press('Enter');
  const enabled = page.getByRole('switch', { name: 'Enabled: Keyboard only' });
  await expect(enabled).toBeChecked();
  await tabTo(page, enabled);
  await page.keyboard.press('Space');
  await expect(enabled).not.toBeChecked();
});
