// Warnings from validation (an unknown variable) show but do not block.
const { test, expect, flowDoc } = require('../fixtures');

test('warnings show and publishing stays possible', async ({ page, api, receiver }) => {
  const doc = flowDoc('Warned', receiver.url + '/w');
  doc.steps[0].config.body.json = { text: '{{ data.not_in_the_catalog }}' };
  const flow = await api.post('/flows', doc);
  await page.goto(`/flows/${flow.id}`);
  await expect(page.getByText(/warning.*publishing is still possible/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Publish' })).toBeEnabled();
});
