// Versions: the published versions of a flow, a read-only view of one, a
// side-by-side diff of two (or of one and the draft), and restore as draft.
import { html, useState } from '../vendor/preact.js';
import { get, put, enc } from './api.js';
import { route, navigate, setQuery } from './router.js';
import { useLoad, Loading, ErrorBox, Empty, Pre, when, Confirm, say } from './components.js';
import { triggerSummary } from './model.js';

function Crumbs({ flow, here }) {
  return html`<nav aria-label="Breadcrumb" class="crumbs"><a href="/flows">Flows</a> › <a href=${`/flows/${enc(flow.id)}`}>${flow.name}</a> › ${here}</nav>`;
}

export function VersionsPage({ id }) {
  const data = useLoad(() => Promise.all([get(`/flows/${enc(id)}`), get(`/flows/${enc(id)}/versions`)]), [id]);
  const [a, setA] = useState('');
  const [b, setB] = useState('draft');
  if (data.loading) return html`<${Loading} what="Loading versions" />`;
  if (data.error) return html`<h1>Versions</h1><${ErrorBox} error=${data.error} />`;
  const [flow, { versions }] = data.data;
  const sorted = [...versions].sort((x, y) => y.version - x.version);
  const first = a || (sorted[1] ? String(sorted[1].version) : sorted[0] ? String(sorted[0].version) : '');
  return html`<${Crumbs} flow=${flow} here="Versions" />
    <h1>Versions of ${flow.name}</h1>
    ${sorted.length === 0
      ? html`<${Empty} title="Not published yet"><p>Publish the flow from the <a href=${`/flows/${enc(id)}`}>editor</a>; each publish freezes a version here.</p></${Empty}>`
      : html`
        <table class="list">
          <caption class="sr-only">Published versions</caption>
          <thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Trigger</th><th scope="col">Steps</th><th scope="col">Actions</th></tr></thead>
          <tbody>${sorted.map((v) => html`<tr>
            <th scope="row">v${v.version}${v.version === flow.published_version ? html` <span class="badge version">current</span>` : ''}</th>
            <td>${when(v.created_at)}</td><td>${triggerSummary(v.document.trigger)}</td><td>${v.document.steps.length}</td>
            <td><a class="button small" href=${`/flows/${enc(id)}/versions/${v.version}`} aria-label=${`View version ${v.version}`}>View</a></td>
          </tr>`)}</tbody>
        </table>
        <form class="toolbar" onSubmit=${(e) => { e.preventDefault(); navigate(`/flows/${enc(id)}/versions/diff?a=${enc(first)}&b=${enc(b)}`); }}>
          <label for="diff-a">Compare</label>
          <select id="diff-a" value=${first} onChange=${(e) => setA(e.currentTarget.value)}>${sorted.map((v) => html`<option value=${v.version}>v${v.version}</option>`)}</select>
          <label for="diff-b">with</label>
          <select id="diff-b" value=${b} onChange=${(e) => setB(e.currentTarget.value)}>
            <option value="draft">the draft</option>${sorted.map((v) => html`<option value=${v.version}>v${v.version}</option>`)}</select>
          <button type="submit">Compare</button>
        </form>`}`;
}

function RestoreButton({ flow, version }) {
  const [asking, setAsking] = useState(false);
  return html`<button type="button" onClick=${() => setAsking(true)}>Restore as draft</button>
    ${asking && html`<${Confirm} title="Restore as draft" confirmLabel="Restore" onClose=${() => setAsking(false)}
      onConfirm=${async () => {
        await put(`/flows/${enc(flow.id)}`, version.document);
        say(`Version ${version.version} restored as the draft; publish it to make it live.`);
        navigate(`/flows/${enc(flow.id)}`, { force: true });
      }}>
      <p>Replace the draft of “${flow.name}” with version ${version.version}? The published version does not change until you publish.</p>
    </${Confirm}>`}`;
}

export function VersionPage({ id, n }) {
  const data = useLoad(() => Promise.all([get(`/flows/${enc(id)}`), get(`/flows/${enc(id)}/versions/${enc(n)}`)]), [id, n]);
  if (data.loading) return html`<${Loading} what="Loading the version" />`;
  if (data.error) return html`<h1>Version ${n}</h1><${ErrorBox} error=${data.error} />`;
  const [flow, v] = data.data;
  return html`<${Crumbs} flow=${flow} here=${html`<a href=${`/flows/${enc(id)}/versions`}>Versions</a> › v${v.version}`} />
    <div class="page-head"><h1>${flow.name} — version ${v.version}</h1>
      <div class="actions"><${RestoreButton} flow=${flow} version=${v} /></div></div>
    <p>Published ${when(v.created_at)}. Read-only. Trigger: ${triggerSummary(v.document.trigger)}; ${v.document.steps.length} step(s).</p>
    <${Pre} value=${v.document} label=${`Version ${v.version} document`} />`;
}

/** diffLines aligns two line lists (LCS) into rows [left, right, kind]. */
export function diffLines(a, b) {
  const n = a.length;
  const m = b.length;
  const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const rows = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { rows.push([a[i], b[j], 'same']); i++; j++; }
    else if (j < m && (i >= n || L[i][j + 1] >= L[i + 1][j])) { rows.push([null, b[j], 'added']); j++; }
    else { rows.push([a[i], null, 'removed']); i++; }
  }
  return rows;
}

export function DiffPage({ id }) {
  const q = route.value.query;
  const a = q.get('a');
  const b = q.get('b') || 'draft';
  const load = (x, flow) => (x === 'draft' ? Promise.resolve({ version: 'draft', document: flow.draft }) : get(`/flows/${enc(id)}/versions/${enc(x)}`));
  const data = useLoad(async () => {
    const flow = await get(`/flows/${enc(id)}`);
    const [va, vb] = await Promise.all([load(a, flow), load(b, flow)]);
    return { flow, va, vb };
  }, [id, a, b]);
  if (data.loading) return html`<${Loading} what="Comparing" />`;
  if (data.error) return html`<h1>Compare versions</h1><${ErrorBox} error=${data.error} />`;
  const { flow, va, vb } = data.data;
  const name = (v) => (v.version === 'draft' ? 'Draft' : `v${v.version}`);
  const rows = diffLines(JSON.stringify(va.document, null, 2).split('\n'), JSON.stringify(vb.document, null, 2).split('\n'));
  const changes = rows.filter((r) => r[2] !== 'same').length;
  return html`<${Crumbs} flow=${flow} here=${html`<a href=${`/flows/${enc(id)}/versions`}>Versions</a> › Compare`} />
    <div class="page-head"><h1>${name(va)} ↔ ${name(vb)}</h1>
      <div class="actions">
        <button type="button" onClick=${() => setQuery({ a: b, b: a })}>Swap sides</button>
        ${va.version !== 'draft' && html`<${RestoreButton} flow=${flow} version=${va} />`}
      </div></div>
    <p>${changes === 0 ? 'The two are the same.' : `${changes} changed line${changes > 1 ? 's' : ''}.`}</p>
    <div class="diff" tabindex="0" role="region" aria-label=${`Differences between ${name(va)} and ${name(vb)}`}>
      <table>
        <thead><tr><th scope="col">${name(va)}</th><th scope="col">${name(vb)}</th></tr></thead>
        <tbody>${rows.map(([l, r, k]) => html`<tr class=${k}>
          <td class=${l === null ? 'gap' : k === 'removed' ? 'del' : ''}>${k === 'removed' ? html`<span class="sr-only">removed: </span>` : ''}${l ?? ''}</td>
          <td class=${r === null ? 'gap' : k === 'added' ? 'ins' : ''}>${k === 'added' ? html`<span class="sr-only">added: </span>` : ''}${r ?? ''}</td></tr>`)}</tbody>
      </table>
    </div>`;
}
