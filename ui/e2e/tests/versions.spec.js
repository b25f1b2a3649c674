// Versions: list, read-only view, side-by-side diff, restore as draft.
const { test, expect, expectAccessible, flowDoc } = require('../fixtures');

test('versions diff and restore as draft', async ({ page, api, receiver }) => {
  const flow = await api.post('/flows', flowDoc('Versioned', receiver.url + '/one'));
  await api.post(`/flows/${flow.id}/publish`);
  await api.put(`/flows/${flow.id}`, flowDoc('Versioned', receiver.url + '/two'));
  await api.post(`/flows/${flow.id}/publish`);

  await page.goto(`/flows/${flow.id}/versions`);
  await expect(page.getByRole('row', { name: /^v2/ })).toContainText('current');
  await expect(page.getByRole('row', { name: /^v1/ })).toBeVisible();
  await expectAccessible(page, 'the versions list');

  await page.getByLabel('Compare').selectOption('1');
  await page.getByLabel('with').selectOption('2');
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page).toHaveURL(`/flows/${flow.id}/versions/diff?a=1&b=2`);
  await expect(page.getByRole('heading', { name: 'v1 ↔ v2' })).toBeVisible();
  await expect(page.getByText('2 changed lines.')).toBeVisible();
  await expect(page.locator('td.del')).toContainText('/one');
  await expect(page.locator('td.ins')).toContainText('/two');
  await expectAccessible(page, 'the diff');

  await page.goto(`/flows/${flow.id}/versions/1`);
  await expect(page.getByLabel('Version 1 document')).toContainText('/one');
  await page.getByRole('button', { name: 'Restore as draft' }).click();
  await page.getByRole('dialog', { name: 'Restore as draft' }).getByRole('button', { name: 'Restore' }).click();
  await expect(page).toHaveURL(`/flows/${flow.id}`);
  await expect(page.getByRole('textbox', { name: 'URL', exact: true })).toHaveText(receiver.url + '/one');
  const f = await api.get(`/flows/${flow.id}`);
  expect(f.draft.steps[0].config.url).toBe(receiver.url + '/one');
  expect(f.published_version).toBe(2);
});
