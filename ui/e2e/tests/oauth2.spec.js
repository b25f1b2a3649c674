// OAuth2 Connect with FLOWLINE_API_TOKEN set: the page fetches the
// provider's URL with the bearer token, goes there, the provider sends the
// browser back to /oauth2/callback, and the credential shows "connected".
const http = require('node:http');
const { test, expect, expectAccessible, startServer } = require('../fixtures');

const CLIENT_SECRET = 'client-secret-never-shown-77';

/** startProvider is a minimal authorization server: /authorize approves at once, /token trades the code. */
async function startProvider() {
  const issued = new Map();
  const tokenRequests = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://provider');
    if (u.pathname === '/authorize') {
      const code = 'code-' + Math.random().toString(36).slice(2);
      issued.set(code, { challenge: u.searchParams.get('code_challenge'), redirect: u.searchParams.get('redirect_uri') });
      const back = new URL(u.searchParams.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', u.searchParams.get('state'));
      res.writeHead(302, { Location: back.toString() });
      res.end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      tokenRequests.push({ form, authorization: req.headers.authorization || '' });
      const grant = issued.get(form.get('code'));
      if (u.pathname !== '/token' || !grant || !form.get('code_verifier')) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end('{"error":"invalid_grant"}');
        return;
      }
      issued.delete(form.get('code'));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'access-1', refresh_token: 'refresh-1', token_type: 'Bearer', expires_in: 3600 }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, tokenRequests, stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

test('Connect an OAuth2 credential with the API token', async ({ page }) => {
  const guarded = await startServer({ FLOWLINE_API_TOKEN: 'tok-oauth-9' });
  const provider = await startProvider();
  try {
    const urls = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(guarded.url + '/credentials');
    const prompt = page.getByRole('dialog', { name: 'API token' });
    await prompt.getByLabel('API token').fill('tok-oauth-9');
    await prompt.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('button', { name: 'New credential' }).click();
    const dialog = page.getByRole('dialog', { name: 'New credential' });
    await dialog.getByLabel('Name').fill('crm');
    await dialog.getByLabel('OAuth2 client (authorization code)').check();
    await dialog.getByLabel('Client secret').fill(CLIENT_SECRET);
    await dialog.getByLabel('Authorization URL').fill(provider.url + '/authorize');
    await dialog.getByLabel('Token URL').fill(provider.url + '/token');
    await dialog.getByLabel('Client ID').fill('flowline');
    await dialog.getByLabel('Scopes').fill('contacts.read');
    await expect(dialog.getByLabel('Callback URL (register it with the provider)')).toHaveValue(guarded.url + '/oauth2/callback');
    await dialog.getByRole('button', { name: 'Save credential' }).click();
    await expect(dialog).toBeHidden();
    const row = page.getByRole('row', { name: /crm/ });
    await expect(row).toContainText('not connected');
    await expectAccessible(page, 'credentials with an OAuth2 client');

    await row.getByRole('button', { name: 'Connect crm' }).click();
    await expect(page.getByText('Credential crm is connected.')).toBeVisible();
    expect(page.url()).toContain(guarded.url + '/oauth2/callback?');
    await page.getByRole('link', { name: 'Back to the credentials' }).click();
    await expect(page.getByRole('row', { name: /crm/ })).toContainText('connected');
    await expect(page.getByRole('row', { name: /crm/ })).not.toContainText('not connected');
    await expect(page.getByRole('button', { name: 'Reconnect crm' })).toBeVisible();

    // The code was traded once, with the PKCE verifier; no token or secret
    // ever went into a URL or onto the page.
    expect(provider.tokenRequests.length).toBe(1);
    expect(provider.tokenRequests[0].form.get('grant_type')).toBe('authorization_code');
    expect(urls.filter((u) => /tok-oauth-9|access-1|refresh-1|never-shown/.test(u))).toEqual([]);
    const content = await page.content();
    for (const s of [CLIENT_SECRET, 'access-1', 'refresh-1']) expect(content).not.toContain(s);
  } finally {
    await provider.stop();
    await guarded.stop();
  }
});
