// Runs: every run or one flow's, filtered by status, flow, trigger and time,
// refreshed while some are running; a run's detail with its trigger, each
// step's attempts, request and response, Cancel, Retry and the Temporal UI.
import { html, useEffect, useState } from '../vendor/preact.js';
import { get, post, enc } from './api.js';
import { route, navigate, setQuery } from './router.js';
import { useLoad, Loading, ErrorBox, Empty, Pre, StatusBadge, when, SelectField, say } from './components.js';

const STATUSES = ['running', 'succeeded', 'failed', 'canceled', 'terminated', 'timed_out'];
const SINCE = { '': 0, '1h': 36e5, '24h': 864e5, '7d': 6048e5 };

/** useAutoRefresh calls reload every interval while active. */
function useAutoRefresh(active, reload, ms = 1500) {
  useEffect(() => {
    if (!active) return undefined;
    const t = setInterval(reload, ms);
    return () => clearInterval(t);
  }, [active]);
}

export function RunsPage({ flowId }) {
  const q = route.value.query;
  const status = q.get('status') || '';
  const flow = flowId || q.get('flow_id') || '';
  const trigger = q.get('trigger') || '';
  const since = q.get('since') || '';
  const flows = useLoad(() => get('/flows').then((r) => r.flows), []);
  const [more, setMore] = useState({ runs: [], token: null });
  const runs = useLoad(() => {
    const p = new URLSearchParams();
    if (flow) p.set('flow_id', flow);
    if (status) p.set('status', status);
    return get('/runs?' + p.toString());
  }, [flow, status]);
  useEffect(() => setMore({ runs: [], token: null }), [flow, status]);
  const all = runs.data ? [...runs.data.runs, ...more.runs] : [];
  useAutoRefresh(runs.data && runs.data.runs.some((r) => r.status === 'running'), runs.reload);

  const byId = Object.fromEntries((flows.data || []).map((f) => [f.id, f]));
  const cutoff = SINCE[since] ? Date.now() - SINCE[since] : 0;
  const shown = all.filter((r) => (!trigger || byId[r.flow_id]?.draft?.trigger?.type === trigger) && (!cutoff || new Date(r.started_at).getTime() >= cutoff));
  const nextToken = more.token ?? runs.data?.next_page_token;
  const loadMore = async () => {
    const p = new URLSearchParams({ page_token: nextToken });
    if (flow) p.set('flow_id', flow);
    if (status) p.set('status', status);
    const r = await get('/runs?' + p.toString());
    setMore({ runs: [...more.runs, ...r.runs], token: r.next_page_token || '' });
  };
  const title = flowId ? `Runs of ${byId[flowId]?.name || 'the flow'}` : 'Runs';
  return html`
    ${flowId && html`<nav aria-label="Breadcrumb" class="crumbs"><a href="/flows">Flows</a> › <a href=${`/flows/${enc(flowId)}`}>${byId[flowId]?.name || flowId}</a> › Runs</nav>`}
    <div class="page-head"><h1>${title}</h1>
      <div class="actions"><button type="button" onClick=${runs.reload}>Refresh</button></div></div>
    <div class="filters" role="group" aria-label="Filters">
      <${SelectField} label="Status" value=${status} onChange=${(v) => setQuery({ status: v })}
        options=${[{ value: '', label: 'Any status' }, ...STATUSES.map((s) => ({ value: s, label: s }))]} />
      ${!flowId && html`<${SelectField} label="Flow" value=${flow} onChange=${(v) => setQuery({ flow_id: v })}
        options=${[{ value: '', label: 'Any flow' }, ...(flows.data || []).map((f) => ({ value: f.id, label: f.name }))]} />`}
      <${SelectField} label="Trigger" value=${trigger} onChange=${(v) => setQuery({ trigger: v })}
        options=${[{ value: '', label: 'Any trigger' }, 'webhook', 'event', 'schedule', 'manual'].map((o) => (typeof o === 'string' ? { value: o, label: o } : o))} />
      <${SelectField} label="Started" value=${since} onChange=${(v) => setQuery({ since: v })}
        options=${[{ value: '', label: 'Any time' }, { value: '1h', label: 'In the last hour' }, { value: '24h', label: 'In the last day' }, { value: '7d', label: 'In the last week' }]} />
    </div>
    ${runs.loading ? html`<${Loading} what="Loading runs" />`
      : runs.error ? html`<${ErrorBox} error=${runs.error} title="The runs could not be loaded" />`
      : shown.length === 0 ? html`<${Empty} title="No runs"><p>${all.length ? 'No run matches these filters.' : 'Runs appear here when a published, enabled flow is triggered.'}</p></${Empty}>`
      : html`<table class="list">
        <caption class="sr-only">Runs</caption>
        <thead><tr><th scope="col">Run</th><th scope="col">Flow</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Closed</th></tr></thead>
        <tbody>${shown.map((r) => html`<tr key=${r.run_id}>
          <th scope="row"><a href=${`/runs/${enc(r.run_id)}`}>${r.run_id}</a></th>
          <td>${byId[r.flow_id] ? html`<a href=${`/flows/${enc(r.flow_id)}`}>${byId[r.flow_id].name}</a>` : r.flow_id}</td>
          <td>v${r.flow_version}</td><td><${StatusBadge} status=${r.status} /></td><td>${when(r.started_at)}</td><td>${r.closed_at ? when(r.closed_at) : '—'}</td>
        </tr>`)}</tbody></table>
        ${nextToken && html`<button type="button" onClick=${loadMore}>Load more runs</button>`}`}`;
}

export function RunPage({ runId }) {
  const run = useLoad(() => get(`/runs/${enc(runId)}`), [runId]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useAutoRefresh(run.data && run.data.status === 'running', run.reload, 1000);
  if (run.loading) return html`<${Loading} what="Loading the run" />`;
  if (run.error) return html`<h1>Run</h1><${ErrorBox} error=${run.error} title="The run could not be loaded" />`;
  const r = run.data;
  const act = async (what) => {
    setBusy(true);
    setError(null);
    try {
      const res = await post(`/runs/${enc(runId)}/${what}`);
      if (what === 'retry') {
        say('Retry started as a new run.');
        navigate(`/runs/${enc(res.run_id)}`);
      } else {
        say('Cancel requested.');
        run.reload();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <nav aria-label="Breadcrumb" class="crumbs"><a href="/runs">Runs</a> › ${r.run_id}</nav>
    <div class="page-head"><h1>Run <code>${r.run_id}</code></h1>
      <div class="actions">
        ${r.status === 'running' && html`<button type="button" class="danger" disabled=${busy} onClick=${() => act('cancel')}>Cancel run</button>`}
        <button type="button" disabled=${busy} onClick=${() => act('retry')}>Retry</button>
        ${r.temporal_ui_url && html`<a class="button" href=${r.temporal_ui_url} target="_blank" rel="noopener noreferrer">Open in Temporal UI</a>`}
      </div></div>
    <${ErrorBox} error=${error} />
    <dl class="facts">
      <dt>Status</dt><dd><${StatusBadge} status=${r.status} />${r.status === 'running' && html` <span class="muted">(refreshing)</span>`}</dd>
      <dt>Flow</dt><dd><a href=${`/flows/${enc(r.flow_id)}`}>${r.flow_id}</a> v${r.flow_version}</dd>
      <dt>Started</dt><dd>${when(r.started_at)}</dd>
      <dt>Closed</dt><dd>${r.closed_at ? when(r.closed_at) : '—'}</dd>
      <dt>Workflow</dt><dd><code>${r.workflow_id}</code></dd>
    </dl>
    ${r.error && html`<div class="error-box" role="alert"><strong>Error</strong><p>${r.error}</p></div>`}
    <h2>Trigger</h2>
    <${Pre} value=${r.trigger || null} label="Trigger payload" />
    <h2>Steps</h2>
    ${(r.steps || []).length === 0 ? html`<p class="muted">No step has run yet.</p>` : (r.steps || []).map((s) => html`<section class="run-step" aria-label=${`Step ${s.id}`}>
      <h3>${s.id} <${StatusBadge} status=${s.status} /></h3>
      ${s.error && html`<p class="problem">${s.error}</p>`}
      <table class="list attempts">
        <caption>Attempts of ${s.id}</caption>
        <thead><tr><th scope="col">#</th><th scope="col">Started</th><th scope="col">Result</th><th scope="col">Duration</th></tr></thead>
        <tbody>${(s.attempts || []).map((a, i) => html`<tr><td>${a.attempt || i + 1}</td><td>${when(a.started_at)}</td>
          <td>${a.error ? html`<span class="problem-text">${a.error}</span>` : `HTTP ${a.status_code}`}</td><td>${a.duration_ms} ms</td></tr>`)}</tbody>
      </table>
      ${s.request && html`<details><summary>Request</summary><${Pre} value=${s.request} label=${`Request of ${s.id}`} /></details>`}
      ${s.response && html`<details><summary>Response</summary><${Pre} value=${s.response} label=${`Response of ${s.id}`} /></details>`}
    </section>`)}`;
}
