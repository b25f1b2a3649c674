// With FLOWLINE_API_TOKEN set the page asks for the token once per tab,
// keeps it in sessionStorage and never puts it in a URL.
const { test, expect, expectAccessible, startServer } = require('../fixtures');

test('the token prompt', async ({ page }) => {
  const guarded = await startServer({ FLOWLINE_API_TOKEN: 'tok-123-secret' });
  try {
    const urls = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(guarded.url + '/flows');
    const dialog = page.getByRole('dialog', { name: 'API token' });
    await expect(dialog).toBeVisible();
    await expectAccessible(page, 'the token prompt');
    await dialog.getByLabel('API token').fill('wrong');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect(dialog.getByText('That token was refused')).toBeVisible();
    await dialog.getByLabel('API token').fill('tok-123-secret');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'No flows yet' })).toBeVisible();
    expect(await page.evaluate(() => sessionStorage.getItem('flowline.api_token'))).toBe('tok-123-secret');
    await page.goto(guarded.url + '/credentials');
    await expect(page.getByRole('heading', { name: 'No credentials' })).toBeVisible();
    await expect(dialog).toBeHidden();
    expect(urls.filter((u) => u.includes('tok-123'))).toEqual([]);
    expect(page.url()).not.toContain('tok-123');
  } finally {
    await guarded.stop();
  }
});
