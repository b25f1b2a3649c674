// Warnings from validation (a data field no subscribed type declares) show
// but do not block publishing.
const { test, expect, flowDoc } = require('../fixtures');

test('warnings show and publishing stays possible', async ({ page, api, receiver }) => {
  await api.post('/event-types', { name: 'cpu.high', category: 'alarm',
    schema: { type: 'object', properties: { host: { type: 'string' } } }, example: { host: 'db-1' } });
  const doc = flowDoc('Warned', receiver.url + '/w', { type: 'event', events: ['cpu.high'] });
  doc.steps[0].config.body.json = { text: '{{ data.not_in_the_catalog }}' };
  const flow = await api.post('/flows', doc);
  await page.goto(`/flows/${flow.id}`);
  const warnings = page.getByText(/1 warning.*publishing is still possible/);
  await expect(warnings).toBeVisible();
  await expect(page.locator('details.warnings')).toContainText('not_in_the_catalog');
  await expect(page.getByRole('button', { name: 'Publish' })).toBeEnabled();
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByText('Published as version 1 — enabled', { exact: true })).toBeVisible();
});
