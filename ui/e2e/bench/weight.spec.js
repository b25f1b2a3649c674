// Measured, not asserted: the bytes a first visit transfers and how long the
// Flows page with 1,000 flows takes to become usable. Run with
// `make bench-ui`; the figures go to BENCHMARKS.md by hand.
const { test, expect, flowDoc } = require('../fixtures');

test('weight and speed of the builder', async ({ page, api, receiver }) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const sizes = new Map();
  cdp.on('Network.responseReceived', (e) => sizes.set(e.requestId, { url: e.response.url, bytes: 0 }));
  cdp.on('Network.loadingFinished', (e) => { if (sizes.has(e.requestId)) sizes.get(e.requestId).bytes = e.encodedDataLength; });

  await page.goto('/flows');
  await expect(page.getByRole('heading', { name: 'No flows yet' })).toBeVisible();
  const firstLoad = [...sizes.values()].filter((s) => !s.url.includes('/api/'));
  const firstBytes = firstLoad.reduce((n, s) => n + s.bytes, 0);
  // The editor bundle is fetched when a panel opens.
  const flow = await api.post('/flows', flowDoc('bench', receiver.url + '/x'));
  sizes.clear();
  await page.goto(`/flows/${flow.id}`);
  await expect(page.getByRole('textbox', { name: 'URL', exact: true })).toBeVisible();
  const editorBytes = [...sizes.values()].filter((s) => !s.url.includes('/api/')).reduce((n, s) => n + s.bytes, 0);

  for (let i = 0; i < 1000; i += 25) {
    await Promise.all(Array.from({ length: 25 }, (_, j) => api.post('/flows', flowDoc(`Flow ${String(i + j).padStart(4, '0')}`, receiver.url + '/x'))));
  }
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  const start = Date.now();
  await page.goto('/flows');
  await expect(page.getByRole('link', { name: 'bench', exact: true })).toBeVisible();
  await page.getByLabel('Search flows').fill('Flow 0999');
  await expect(page.getByRole('link', { name: 'Flow 0999', exact: true })).toBeVisible();
  const interactiveMs = Date.now() - start;

  const out = { first_load_bytes: firstBytes, first_load_files: firstLoad.length, editor_extra_bytes: editorBytes, flows_1000_interactive_ms: interactiveMs };
  console.log('BENCH ' + JSON.stringify(out));
  test.info().annotations.push({ type: 'bench', description: JSON.stringify(out) });
});
