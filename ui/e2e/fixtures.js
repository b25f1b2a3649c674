// Fixtures: the real flowline binary on free ports with a fresh data dir, a
// loopback receiver that records what steps send, a page that fails the
// test on any console error, an axe scan and screenshots.
const base = require('@playwright/test');
const { AxeBuilder } = require('@axe-core/playwright');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let built = null;
/** binary is FLOWLINE_BIN, or bin/flowline built once from the repository. */
function binary() {
  if (process.env.FLOWLINE_BIN) return process.env.FLOWLINE_BIN;
  if (!built) {
    built = path.join(repo, 'bin', 'flowline');
    execFileSync('go', ['build', '-o', built, './cmd/flowline'], { cwd: repo, stdio: 'inherit', env: { ...process.env, GOTOOLCHAIN: 'auto' } });
  }
  return built;
}

/** startServer runs `flowline serve` and resolves once /readyz answers 200. */
async function startServer(extraEnv = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowline-ui-'));
  const [httpPort, temporalPort, temporalUIPort] = [await freePort(), await freePort(), await freePort()];
  const url = `http://127.0.0.1:${httpPort}`;
  const log = fs.openSync(path.join(dir, 'flowline.log'), 'w');
  const proc = spawn(binary(), ['serve', '--data-dir', path.join(dir, 'data'), '--http-addr', `127.0.0.1:${httpPort}`,
    '--temporal-dev-addr', `127.0.0.1:${temporalPort}`, '--temporal-ui-addr', `127.0.0.1:${temporalUIPort}`, '--log-level', 'warn'], {
    env: { ...process.env, FLOWLINE_EGRESS_ALLOW: '127.0.0.1', FLOWLINE_API_TOKEN: '', FLOWLINE_BATCH_LANES: '0', ...extraEnv },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const code = await Promise.race([exited.then((c) => ({ exited: c })), fetch(url + '/readyz').then((r) => r.status, () => 0)]);
    if (code === 200) break;
    if (code && code.exited !== undefined) throw new Error(`flowline exited with ${code.exited}: ${fs.readFileSync(path.join(dir, 'flowline.log'), 'utf8')}`);
    if (Date.now() > deadline) throw new Error('flowline did not become ready: ' + fs.readFileSync(path.join(dir, 'flowline.log'), 'utf8'));
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url, dir, temporalUI: `127.0.0.1:${temporalUIPort}`,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** startReceiver records every request; waitFor resolves on the first match. */
async function startReceiver() {
  const calls = [];
  let waiters = [];
  const held = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const call = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) };
      calls.push(call);
      waiters = waiters.filter((w) => !(w.pred(call) && (w.resolve(call), true)));
      if (req.url.startsWith('/hold')) {
        held.push(res);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls,
    waitFor(pred) {
      const found = calls.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    release() {
      held.splice(0).forEach((r) => { r.writeHead(200); r.end('{}'); });
    },
    stop: () => new Promise((resolve) => { held.splice(0).forEach((r) => r.destroy()); server.closeAllConnections(); server.close(resolve); }),
  };
}

// Browsers log every non-2xx fetch as a console error. The API answers some
// with problems the page expects and shows (validation 422, a 401 before the
// token prompt, a 404 for an API another branch adds): those are allowed
// only for /api/v1 calls with these statuses; anything else fails.
const EXPECTED = /^Failed to load resource: the server responded with a status of (401|404|409|422) /;

const test = base.test.extend({
  // isolate names the server a file shares: a file that sets its own
  // (test.use({ isolate: 'x' })) gets a worker, and a server, of its own.
  isolate: ['shared', { scope: 'worker', option: true }],
  server: [async ({ isolate }, use) => {
    const s = await startServer();
    await use(s);
    await s.stop();
  }, { scope: 'worker', timeout: 120_000 }],
  receiver: [async ({}, use) => {
    const r = await startReceiver();
    await use(r);
    await r.stop();
  }, { scope: 'worker' }],
  baseURL: async ({ server }, use) => use(server.url),
  page: async ({ page }, use) => {
    const errors = [];
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (EXPECTED.test(m.text()) && (m.location().url || '').includes('/api/v1/')) return;
      errors.push(`${m.text()} (${m.location().url || 'no url'})`);
    });
    page.on('pageerror', (e) => errors.push('uncaught: ' + e.message));
    await use(page);
    base.expect(errors, 'console errors').toEqual([]);
  },
  /** api calls the REST API directly, to seed and to check. */
  api: async ({ server, playwright }, use) => {
    const ctx = await playwright.request.newContext({ baseURL: server.url + '/api/v1/' });
    const call = async (method, p, data) => {
      const r = await ctx.fetch(p.replace(/^\//, ''), { method, data });
      const text = await r.text();
      if (!r.ok()) throw new Error(`${method} ${p} = ${r.status()}: ${text}`);
      return text ? JSON.parse(text) : null;
    };
    await use({ get: (p) => call('GET', p), post: (p, d) => call('POST', p, d ?? {}), put: (p, d) => call('PUT', p, d), del: (p) => call('DELETE', p), raw: ctx });
    await ctx.dispose();
  },
});

/** expectAccessible fails on any serious or critical axe violation. */
async function expectAccessible(page, what) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  base.expect(bad, `accessibility of ${what}`).toEqual([]);
}

/** shoot saves a screenshot into FLOWLINE_SCREENSHOTS (docs/builder) when set. */
async function shoot(page, name) {
  const dir = process.env.FLOWLINE_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name + '.png'), fullPage: false, animations: 'disabled', caret: 'hide' });
}

/** flowDoc is a one-step flow posting to url. */
function flowDoc(name, url, trigger = { type: 'webhook' }) {
  return { name, trigger, steps: [{ id: 'notify', name: 'Notify', type: 'http', config: { method: 'POST', url, body: { type: 'json', json: { text: '{{ flow_name }}: {{ data.message }}' } } } }] };
}

module.exports = { test, expect: base.expect, expectAccessible, shoot, startServer, flowDoc };
