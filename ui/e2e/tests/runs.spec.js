// Runs: cancel a running run, retry it, watch the retry succeed, filter.
const { test, expect, expectAccessible } = require('../fixtures');

test('cancel a running run and retry it', async ({ page, api, receiver }) => {
  const flow = await api.post('/flows', {
    name: 'Slow receiver', trigger: { type: 'manual' },
    steps: [{ id: 'wait', type: 'http', config: { method: 'POST', url: receiver.url + '/hold', timeout: '2m' }, retry: { max_attempts: 1 } }],
  });
  await api.post(`/flows/${flow.id}/publish`);
  const before = receiver.calls.filter((c) => c.url === '/hold').length;
  const run = await api.post(`/flows/${flow.id}/runs`, { n: 1 });
  await page.goto(`/runs/${run.run_id}`);
  await expect(page.locator('dl.facts .badge')).toHaveText('running');
  await receiver.waitFor((c) => c.url === '/hold' && receiver.calls.filter((x) => x.url === '/hold').indexOf(c) >= before);
  await expectAccessible(page, 'a running run');
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await expect(page.locator('dl.facts .badge')).toHaveText('canceled');
  await expect(page.getByRole('button', { name: 'Cancel run' })).toBeHidden();

  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(page).not.toHaveURL(`/runs/${run.run_id}`);
  await expect(page.locator('dl.facts .badge')).toHaveText('running');
  await receiver.waitFor((c) => c.url === '/hold' && receiver.calls.filter((x) => x.url === '/hold').indexOf(c) > before);
  receiver.release();
  await expect(page.locator('dl.facts .badge')).toHaveText('succeeded');
  const retried = new URL(page.url()).pathname.split('/')[2];

  await page.goto('/runs?status=canceled');
  await expect(page.getByRole('link', { name: run.run_id })).toBeVisible();
  await expect(page.getByRole('link', { name: retried })).toBeHidden();
  await page.getByLabel('Status').selectOption('succeeded');
  await expect(page.getByRole('link', { name: retried })).toBeVisible();
  await expect(page).toHaveURL(/status=succeeded/);
  await expectAccessible(page, 'the runs list');
});
