// Send on the Flows page tests the saved step (POST /flows/{id}/steps/{step_id}/test).
const { test, expect, flowDoc } = require('../fixtures');

test('Send runs the saved step now', async ({ page, api, receiver }) => {
  await api.post('/flows', flowDoc('Send me', receiver.url + '/send'));
  await page.goto('/flows');
  await page.getByRole('button', { name: 'Send Send me' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send: Send me' });
  await expect(dialog.getByText('Notification successfully sent.')).toBeVisible();
  await receiver.waitFor((c) => c.url === '/send');
});
