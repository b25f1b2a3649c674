// The Flows screen: every flow with its trigger, version, enabled switch and
// last run; Modify, Enable/Disable, Send, Duplicate, Delete; search, paging
// and Add Flow.
import { html, useState } from '../vendor/preact.js';
import { get, post, del, enc } from './api.js';
import { route, navigate, setQuery } from './router.js';
import { useLoad, Loading, ErrorBox, Empty, Toggle, Confirm, Dialog, TextField, SelectField, StatusBadge, ago, say } from './components.js';
import { TestResult } from './testresult.js';
import { triggerSummary, stable } from './model.js';

const PAGE = 25;

export function FlowsPage() {
  const q = route.value.query.get('q') || '';
  const page = Math.max(1, parseInt(route.value.query.get('page') || '1', 10) || 1);
  const flows = useLoad(() => get('/flows').then((r) => r.flows), []);
  const [adding, setAdding] = useState(false);

  let body;
  if (flows.loading) body = html`<${Loading} what="Loading flows" />`;
  else if (flows.error) body = html`<${ErrorBox} error=${flows.error} title="The flows could not be loaded" />`;
  else if (flows.data.length === 0) {
    body = html`<${Empty} title="No flows yet">
      <p>A flow is a trigger (a webhook, an event, a schedule or a manual start) followed by steps that call other systems.</p>
      <p><button type="button" class="primary" onClick=${() => setAdding(true)}>Add Flow</button> to build one step by step,
      or use the <a href="/quick-webhook">quick webhook form</a> to send events to a URL in one go.</p>
    </${Empty}>`;
  } else {
    const needle = q.toLowerCase();
    const matching = flows.data.filter((f) => !needle || f.name.toLowerCase().includes(needle) || triggerSummary(f.draft?.trigger).toLowerCase().includes(needle));
    const pages = Math.max(1, Math.ceil(matching.length / PAGE));
    const shown = matching.slice((page - 1) * PAGE, page * PAGE);
    body = html`
      ${matching.length === 0
        ? html`<p class="empty-inline">No flow matches “${q}”.</p>`
        : html`<table class="list flows">
          <caption class="sr-only">Flows</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Trigger</th><th scope="col">Version</th><th scope="col">Enabled</th><th scope="col">Last run</th><th scope="col">Actions</th></tr></thead>
          <tbody>${shown.map((f) => html`<${FlowRow} key=${f.id} flow=${f} onChanged=${flows.reload} />`)}</tbody>
        </table>`}
      ${pages > 1 && html`<nav class="pager" aria-label="Pages">
        <button type="button" disabled=${page <= 1} onClick=${() => setQuery({ page: page - 1 })}>Previous page</button>
        <span>Page ${page} of ${pages} (${matching.length} flows)</span>
        <button type="button" disabled=${page >= pages} onClick=${() => setQuery({ page: page + 1 })}>Next page</button>
      </nav>`}`;
  }
  return html`
    <div class="page-head">
      <h1>Flows</h1>
      <div class="actions">
        <a class="button" href="/quick-webhook">Quick webhook</a>
        <button type="button" class="primary" onClick=${() => setAdding(true)}>Add Flow</button>
      </div>
    </div>
    ${flows.data && flows.data.length > 0 && html`<div class="toolbar" role="search">
      <label for="flow-search">Search flows</label>
      <input id="flow-search" type="search" value=${q} placeholder="Name or trigger" onInput=${(e) => setQuery({ q: e.currentTarget.value, page: null })} />
    </div>`}
    ${body}
    ${adding && html`<${AddFlowDialog} onClose=${() => setAdding(false)} />`}`;
}

function AddFlowDialog({ onClose }) {
  const [name, setName] = useState('');
  const [trigger, setTrigger] = useState('webhook');
  return html`<${Dialog} title="Add Flow" onClose=${onClose}>
    <form onSubmit=${(e) => {
      e.preventDefault();
      if (!name.trim()) return;
      navigate(`/flows/new?name=${enc(name.trim())}&trigger=${enc(trigger)}`);
    }}>
      <${TextField} label="Name" value=${name} onInput=${setName} required autofocus />
      <${SelectField} label="Trigger type" value=${trigger} onChange=${setTrigger} options=${[
        { value: 'webhook', label: 'Webhook — an HTTP call starts a run' },
        { value: 'event', label: 'Event — a posted event of chosen types' },
        { value: 'schedule', label: 'Schedule — cron or a fixed interval' },
        { value: 'manual', label: 'Manual — started by hand or through the API' },
      ]} />
      <div class="actions">
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary">Create</button>
      </div>
    </form>
  </${Dialog}>`;
}

function FlowRow({ flow, onChanged }) {
  const [confirming, setConfirming] = useState(false);
  const [sending, setSending] = useState(null);
  const [busy, setBusy] = useState(false);
  const published = flow.published_version;
  const meta = useLoad(async () => {
    if (!published) return {};
    const [version, runs] = await Promise.all([
      get(`/flows/${enc(flow.id)}/versions/${published}`).catch(() => null),
      get(`/runs?flow_id=${enc(flow.id)}&page_size=1`).catch(() => null),
    ]);
    return {
      changed: version ? stable(version.document) !== stable(flow.draft) : false,
      last: runs && runs.runs && runs.runs[0],
    };
  }, [flow.id, flow.updated_at]);

  const setEnabled = async (on) => {
    setBusy(true);
    try {
      await post(`/flows/${enc(flow.id)}/${on ? 'enable' : 'disable'}`);
      say(`${flow.name} ${on ? 'enabled' : 'disabled'}.`);
      onChanged();
    } catch (e) {
      say(e.message, 'error');
    } finally {
      setBusy(false);
    }
  };
  const duplicate = async () => {
    try {
      const copy = { ...flow.draft, name: ('Copy of ' + flow.name).slice(0, 200) };
      const f = await post('/flows', copy);
      say(`Duplicated as “${f.name}”.`);
      onChanged();
    } catch (e) {
      say(e.message, 'error');
    }
  };
  const send = async () => {
    const step = flow.draft?.steps?.[0];
    setSending({ busy: true });
    try {
      const r = await post(`/flows/${enc(flow.id)}/steps/${enc(step.id)}/test`, {});
      setSending({ result: r });
    } catch (e) {
      setSending({ error: e });
    }
  };
  const last = meta.data?.last;
  return html`<tr>
    <th scope="row"><a href=${`/flows/${enc(flow.id)}`}>${flow.name}</a></th>
    <td>${triggerSummary(flow.draft?.trigger)}</td>
    <td>${published ? html`<span class="badge version">v${published}</span>` : html`<span class="badge draft">Draft</span>`}
      ${meta.data?.changed && html` <span class="badge changed">unpublished changes</span>`}</td>
    <td><${Toggle} label=${`Enabled: ${flow.name}`} hideLabel checked=${flow.enabled} disabled=${!published || busy} onChange=${setEnabled} /></td>
    <td>${last ? html`<a href=${`/runs/${enc(last.run_id)}`}><${StatusBadge} status=${last.status} /></a> ${ago(new Date(last.started_at))}` : html`<span class="muted">${published ? 'never' : '—'}</span>`}</td>
    <td class="row-actions">
      <a class="button small" href=${`/flows/${enc(flow.id)}`} aria-label=${`Modify ${flow.name}`}>Modify</a>
      <button type="button" class="small" disabled=${!published || busy} onClick=${() => setEnabled(!flow.enabled)} aria-label=${`${flow.enabled ? 'Disable' : 'Enable'} ${flow.name}`}>${flow.enabled ? 'Disable' : 'Enable'}</button>
      <button type="button" class="small" onClick=${send} aria-label=${`Send ${flow.name}`}>Send</button>
      <button type="button" class="small" onClick=${duplicate} aria-label=${`Duplicate ${flow.name}`}>Duplicate</button>
      <button type="button" class="small danger" onClick=${() => setConfirming(true)} aria-label=${`Delete ${flow.name}`}>Delete</button>
      ${confirming && html`<${Confirm} title="Delete flow" danger confirmLabel="Delete" onClose=${() => setConfirming(false)}
        onConfirm=${async () => { await del(`/flows/${enc(flow.id)}`); say(`Deleted “${flow.name}”.`); onChanged(); }}>
        <p>Delete the flow “<strong>${flow.name}</strong>”? Its schedule stops; past runs stay in Temporal.</p>
      </${Confirm}>`}
      ${sending && html`<${Dialog} title=${`Send: ${flow.name}`} onClose=${() => setSending(null)}>
        ${sending.busy && html`<${Loading} what="Sending" />`}
        <${ErrorBox} error=${sending.error} title="The step could not be tested" />
        <${TestResult} result=${sending.result} />
        <div class="actions"><button type="button" onClick=${() => setSending(null)}>Close</button></div>
      </${Dialog}>`}
    </td>
  </tr>`;
}
