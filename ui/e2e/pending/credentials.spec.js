// Replacing a credential's secret (PUT /credentials/{id}) and the flows using it.
const { test, expect, flowDoc } = require('../fixtures');

test('replace a secret and see which flows use it', async ({ page, api, receiver }) => {
  await api.post('/credentials', { name: 'hook-token', secret: 'old-secret-1' });
  const doc = flowDoc('Guarded', receiver.url + '/guarded');
  doc.steps[0].config.auth = { type: 'bearer', credential: 'hook-token' };
  await api.post('/flows', doc);
  await page.goto('/credentials');
  const row = page.getByRole('row', { name: /hook-token/ });
  await expect(row.getByRole('link', { name: 'Guarded' })).toBeVisible();
  await page.getByRole('button', { name: 'Replace secret of hook-token' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Secret', { exact: true }).fill('new-secret-2');
  await dialog.getByRole('button', { name: 'Replace secret' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('set');
  expect(await page.content()).not.toContain('new-secret-2');

  // The new secret is the one steps send.
  const flows = await api.get('/flows');
  const id = flows.flows.find((f) => f.name === 'Guarded').id;
  await page.goto(`/flows/${id}`);
  await page.getByRole('button', { name: 'Test HTTP' }).click();
  await expect(page.getByText('Notification successfully sent.')).toBeVisible();
  const call = await receiver.waitFor((c) => c.url === '/guarded');
  expect(call.headers.authorization).toBe('Bearer new-secret-2');

  // Deleting a credential in use is refused with the flows that use it.
  await page.goto('/credentials');
  await page.getByRole('button', { name: 'Delete hook-token' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('dialog').getByRole('alert')).toContainText('Guarded');
});
