// The quick webhook form: one page that subscribes a URL to events or
// alarms. It creates and publishes an ordinary flow (event trigger → one
// HTTP POST of the envelope or the message) that the editor can open.
import { html, useState, useId } from '../vendor/preact.js';
import { get, post, enc } from './api.js';
import { navigate } from './router.js';
import { useLoad, TextField, SelectField, CheckField, ErrorBox, Loading, say } from './components.js';
import { CredentialPicker } from './credentialpicker.js';
import { TestResult } from './testresult.js';
import { sampleContext } from './steppanel.js';

const listOf = (r) => (Array.isArray(r) ? r : r.event_types || []);

/**
 * pickMessage is the type's message template in language, falling back as
 * the server does: the same primary language, then en, then the first.
 */
export function pickMessage(messages, language) {
  const keys = Object.keys(messages || {});
  if (keys.length === 0) return '';
  const primary = (language || '').split('-')[0];
  const key = keys.find((k) => k === language) || keys.find((k) => primary && k.split('-')[0] === primary)
    || keys.find((k) => k === 'en') || keys[0];
  return messages[key];
}

/**
 * sampleMessage fills a message template from an example event, for Send
 * Test only (runs get theirs from the server): {{ data.x }}, {{ event_type }}
 * and a bare {{ x }} read inside data.
 */
export function sampleMessage(template, event) {
  const lookup = (root, path) => path.reduce((v, k) => (v && typeof v === 'object' ? v[k] : undefined), root);
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name) => {
    const path = name.split('.');
    let v = lookup(event, path);
    if (v === undefined) v = lookup(event.data, path);
    if (v === undefined || v === null) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** quickDocument is the flow the form describes. */
export function quickDocument(f) {
  const trigger = { type: 'event', events: f.events };
  // language picks the catalog message {{ message }} is rendered from.
  if (f.payload === 'message' && f.language) trigger.language = f.language;
  const config = {
    method: 'POST',
    url: f.url,
    body: f.payload === 'message' ? { type: 'json', json: { text: '{{ message }}', event_type: '{{ event_type }}' } } : { type: 'json', json: '{{ event }}' },
  };
  if (f.auth !== 'none') {
    config.auth = { type: f.auth, credential: f.credential };
    if (f.auth === 'basic') config.auth.username = f.username;
    if (f.auth === 'api_key') Object.assign(config.auth, { in: 'header', name: f.keyName || 'X-API-Key' });
  }
  return { name: f.name, trigger, steps: [{ id: 'notify', name: 'Send to webhook', type: 'http', config }] };
}

export function QuickWebhookPage() {
  const catalog = useLoad(() => get('/event-types').then(listOf), []);
  const credentials = useLoad(() => get('/credentials').then((r) => r.credentials || r), []);
  const [f, setF] = useState({ name: '', category: 'event', events: [], url: '', auth: 'none', credential: '', username: '', keyName: 'X-API-Key', payload: 'envelope', language: '', enable: true });
  const [pattern, setPattern] = useState('');
  const [problems, setProblems] = useState(null);
  const [test, setTest] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const types = (catalog.data || []).filter((t) => t.category === f.category);
  const chosen = (catalog.data || []).filter((t) => f.events.includes(t.name));
  const languages = [...new Set((chosen.length ? chosen : types).flatMap((t) => Object.keys(t.messages || {})))];
  const pr = (p) => problems?.errors?.filter((e) => e.pointer === p || e.pointer.startsWith(p + '/')).map((e) => e.message).join('; ') || undefined;
  const toggle = (name, on) => setF({ ...f, events: on ? [...f.events, name] : f.events.filter((e) => e !== name) });
  const doc = quickDocument(f);

  const sendTest = async () => {
    setTest({ busy: true });
    const ex = (catalog.data || []).find((t) => f.events.includes(t.name));
    const sample = ex?.example ?? { message: 'Test from Flowline' };
    const context = sampleContext(null, doc, sample);
    if (f.payload === 'message') {
      context.message = ex ? sampleMessage(pickMessage(ex.messages, f.language), context.event) : '';
      if (!context.message) context.message = 'Test from Flowline';
    }
    try {
      const r = await post('/actions/test', { type: 'http', config: doc.steps[0].config, context });
      setTest({ result: r });
    } catch (e) {
      setTest({ error: e });
    }
  };
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setProblems(null);
    try {
      const flow = await post('/flows', doc);
      try {
        await post(`/flows/${enc(flow.id)}/publish`);
        if (!f.enable) await post(`/flows/${enc(flow.id)}/disable`);
      } catch (err) {
        say(`The flow was saved as a draft but not published: ${err.message}`, 'error');
        navigate(`/flows/${enc(flow.id)}`);
        return;
      }
      say(`Subscription “${f.name}” created${f.enable ? ' and enabled' : ' (disabled)'}.`);
      navigate('/flows');
    } catch (err) {
      setProblems(err.problem ? err : { problem: { detail: err.message } });
      setBusy(false);
    }
  };
  const patId = useId();
  // Problems point into the flow document; show them on the form's fields.
  const urlErr = pr('/steps/0/config/url');
  return html`
    <h1>Quick webhook</h1>
    <p class="muted">Send events or alarms to a URL. This creates and publishes an ordinary flow you can open in the editor later.</p>
    <form class="form" onSubmit=${submit}>
      <${TextField} label="Name" value=${f.name} onInput=${set('name')} error=${pr('/name')} required />
      <fieldset><legend>Type</legend>
        <label class="check"><input type="radio" name="quick-type" checked=${f.category === 'event'} onChange=${() => setF({ ...f, category: 'event' })} /> Events</label>
        <label class="check"><input type="radio" name="quick-type" checked=${f.category === 'alarm'} onChange=${() => setF({ ...f, category: 'alarm' })} /> Alarms</label>
      </fieldset>
      <fieldset><legend>Event types</legend>
        ${f.events.length > 0 && html`<ul class="chips" aria-label="Chosen event types">${f.events.map((e) => html`<li>${e}
          <button type="button" class="icon" aria-label=${`Remove event type ${e}`} onClick=${() => toggle(e, false)}>✕</button></li>`)}</ul>`}
        ${catalog.loading ? html`<${Loading} what="Loading the catalog" />`
          : catalog.error ? html`<p class="muted">The event catalog is not available (${catalog.error.message}); type event types or patterns below.</p>`
          : html`<div class="checks catalog">${types.length === 0 ? html`<p class="muted">No ${f.category} types in the catalog.</p>` : types.map((t) => html`<label class="check">
              <input type="checkbox" checked=${f.events.includes(t.name)} onChange=${(e) => toggle(t.name, e.currentTarget.checked)} /> ${t.name}${t.title ? html` <span class="muted">— ${t.title}</span>` : ''}</label>`)}</div>`}
        <div class="inline">
          <div class="field"><label for=${patId}>Event type or pattern (wildcards: *)</label>
            <input id=${patId} value=${pattern} placeholder="backup.*" onInput=${(e) => setPattern(e.currentTarget.value)}
              onKeyDown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); if (pattern && !f.events.includes(pattern)) toggle(pattern, true); setPattern(''); } }} /></div>
          <button type="button" class="small" disabled=${!pattern} onClick=${() => { if (!f.events.includes(pattern)) toggle(pattern, true); setPattern(''); }}>Add pattern</button>
        </div>
        ${pr('/trigger') && html`<p class="problem" role="alert">${pr('/trigger')}</p>`}
      </fieldset>
      <${TextField} label="URL" type="url" value=${f.url} onInput=${set('url')} error=${urlErr} placeholder="https://example.com/hook" required />
      <${SelectField} label="Auth type" value=${f.auth} onChange=${set('auth')} error=${pr('/steps/0/config/auth')}
        options=${[{ value: 'none', label: 'None' }, { value: 'bearer', label: 'Bearer token' }, { value: 'basic', label: 'Basic' }, { value: 'api_key', label: 'API key header' }, { value: 'webhook_signature', label: 'Webhook signature' }]} />
      ${f.auth === 'basic' && html`<${TextField} label="Username" value=${f.username} onInput=${set('username')} />`}
      ${f.auth === 'api_key' && html`<${TextField} label="Header name" value=${f.keyName} onInput=${set('keyName')} />`}
      ${f.auth !== 'none' && html`<${CredentialPicker} value=${f.credential} onChange=${(v) => setF({ ...f, credential: v || '' })}
        ctx=${{ credentials: credentials.data || [], reloadCredentials: credentials.reload }} error=${pr('/steps/0/config/auth/credential')} />`}
      <${SelectField} label="Payload" value=${f.payload} onChange=${set('payload')}
        options=${[{ value: 'envelope', label: 'The event envelope (JSON)' }, { value: 'message', label: 'The message text ({{ message }})' }]} />
      ${f.payload === 'message' && html`<${SelectField} label="Message language" value=${f.language} onChange=${set('language')} error=${pr('/trigger/language')}
        hint="The event type's message in this language (else the same primary language, else en, else the first)."
        options=${[{ value: '', label: '(default)' }, ...languages.map((l) => ({ value: l, label: l }))]} />`}
      ${f.payload === 'message' && chosen.length > 0 && languages.length === 0
        && html`<p class="muted" role="status">None of the chosen event types has a message in the catalog, so the text will be empty; add messages under Event types.</p>`}
      <${CheckField} label="Enable" checked=${f.enable} onChange=${set('enable')} />
      <${ErrorBox} error=${problems} title="The subscription was not created" />
      <div class="actions left">
        <button type="button" onClick=${sendTest} disabled=${!f.url}>Send Test</button>
        <button type="submit" class="primary" disabled=${busy}>Submit</button>
        <button type="button" onClick=${() => navigate('/flows')}>Cancel</button>
      </div>
      ${test?.busy && html`<${Loading} what="Sending" />`}
      <${ErrorBox} error=${test?.error} title="The test could not run" />
      <${TestResult} result=${test?.result} />
    </form>`;
}
