// A credential's secret is written once and never shown again.
const { test, expect, expectAccessible, flowDoc } = require('../fixtures');

const SECRET = 's3cret-XYZ-never-shown';

test('a credential secret is write-only', async ({ page, api }) => {
  await page.goto('/credentials');
  await expect(page.getByRole('heading', { name: 'No credentials' })).toBeVisible();
  await page.getByRole('button', { name: 'New credential' }).click();
  const dialog = page.getByRole('dialog', { name: 'New credential' });
  await dialog.getByLabel('Name').fill('chat-token');
  await dialog.getByLabel('Secret', { exact: true }).fill(SECRET);
  await expect(dialog.getByLabel('Secret', { exact: true })).toHaveAttribute('type', 'password');
  await dialog.getByRole('button', { name: 'Save credential' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole('row', { name: /chat-token/ });
  await expect(row).toContainText('set');
  await expectAccessible(page, 'the credentials page');

  expect(await page.content()).not.toContain(SECRET);
  await page.reload();
  await expect(page.getByRole('row', { name: /chat-token/ })).toBeVisible();
  expect(await page.content()).not.toContain(SECRET);
  await page.getByRole('button', { name: 'Replace secret of chat-token' }).click();
  await expect(page.getByRole('dialog').getByLabel('Secret', { exact: true })).toHaveValue('');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  const listed = JSON.stringify(await api.get('/credentials'));
  expect(listed).toContain('chat-token');
  expect(listed).not.toContain(SECRET);

  // The editor's credential picker offers it by name.
  const flow = await api.post('/flows', { name: 'Uses a token', trigger: { type: 'manual' }, steps: [{ id: 'a', type: 'http', config: { url: 'https://example.com/', auth: { type: 'bearer', credential: 'chat-token' } } }] });
  await page.goto(`/flows/${flow.id}`);
  await expect(page.getByLabel('Credential', { exact: true })).toHaveValue('chat-token');
  expect(await page.content()).not.toContain(SECRET);
});

// Replacing a secret (PUT /credentials/{id}) and the flows using it.
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
