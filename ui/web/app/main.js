// The builder's entry: the layout, the routes and the token prompt.
import { html, render, useState } from '../vendor/preact.js';
import { route, match, navigate } from './router.js';
import { tokenWanted, tokenRejected, setToken } from './api.js';
import { Notice, Dialog } from './components.js';
import { FlowsPage } from './flows.js';
import { QuickWebhookPage } from './quick.js';
import { EditorPage } from './editor.js';
import { VersionsPage, VersionPage, DiffPage } from './versions.js';
import { RunsPage, RunPage } from './runs.js';
import { CredentialsPage } from './credentials.js';
import { EventTypesPage, EventTypePage } from './eventtypes.js';

const routes = [
  ['/flows', () => html`<${FlowsPage} />`, 'Flows'],
  ['/flows/new', () => html`<${EditorPage} id=${null} />`, 'New flow'],
  ['/quick-webhook', () => html`<${QuickWebhookPage} />`, 'Quick webhook'],
  ['/flows/:id', (p) => html`<${EditorPage} id=${p.id} key=${p.id} />`, 'Editor'],
  ['/flows/:id/versions', (p) => html`<${VersionsPage} id=${p.id} />`, 'Versions'],
  ['/flows/:id/versions/diff', (p) => html`<${DiffPage} id=${p.id} />`, 'Compare versions'],
  ['/flows/:id/versions/:n', (p) => html`<${VersionPage} id=${p.id} n=${p.n} />`, 'Version'],
  ['/flows/:id/runs', (p) => html`<${RunsPage} flowId=${p.id} />`, 'Runs'],
  ['/runs', () => html`<${RunsPage} />`, 'Runs'],
  ['/runs/:run_id', (p) => html`<${RunPage} runId=${p.run_id} key=${p.run_id} />`, 'Run'],
  ['/credentials', () => html`<${CredentialsPage} />`, 'Credentials'],
  ['/event-types', () => html`<${EventTypesPage} />`, 'Event types'],
  ['/event-types/new', () => html`<${EventTypePage} name=${null} />`, 'New event type'],
  ['/event-types/:name', (p) => html`<${EventTypePage} name=${p.name} key=${p.name} />`, 'Event type'],
];

const nav = [
  ['/flows', 'Flows'],
  ['/quick-webhook', 'Quick webhook'],
  ['/runs', 'Runs'],
  ['/credentials', 'Credentials'],
  ['/event-types', 'Event types'],
];

function TokenPrompt() {
  const [value, setValue] = useState('');
  return html`<${Dialog} title="API token" onClose=${() => {}}>
    <form onSubmit=${(e) => { e.preventDefault(); if (value) setToken(value); }}>
      <p>This Flowline server asks for its API token (FLOWLINE_API_TOKEN). It is kept in this tab only.</p>
      ${tokenRejected.value && html`<p class="problem" role="alert">That token was refused; try again.</p>`}
      <div class="field">
        <label for="api-token">API token</label>
        <input id="api-token" type="password" autocomplete="off" value=${value} onInput=${(e) => setValue(e.currentTarget.value)} required />
      </div>
      <div class="actions"><button type="submit" class="primary">Continue</button></div>
    </form>
  </${Dialog}>`;
}

function App() {
  const { path } = route.value;
  if (path === '/' || path === '') {
    queueMicrotask(() => navigate('/flows', { replace: true, force: true }));
    return null;
  }
  let page = null;
  let title = 'Not found';
  for (const [pattern, view, t] of routes) {
    const params = match(pattern, path);
    if (params) {
      page = view(params);
      title = t;
      break;
    }
  }
  document.title = `${title} · Flowline`;
  const section = '/' + path.split('/')[1];
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="/flows">Flowline</a>
      <nav aria-label="Main">
        <ul>${nav.map(([href, label]) => html`<li><a href=${href} aria-current=${section === href ? 'page' : undefined}>${label}</a></li>`)}</ul>
      </nav>
    </header>
    <main id="main" tabindex="-1">
      ${page || html`<h1>Not found</h1><p>No screen at <code>${path}</code>. <a href="/flows">Go to the flows</a>.</p>`}
    </main>
    <${Notice} />
    ${tokenWanted.value && html`<${TokenPrompt} />`}
  `;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
