// The trigger's settings: manual (run now), webhook (URL, methods, auth,
// respond), event (types from the catalog and free patterns, language),
// schedule (cron or every, time zone, next five fire times).
import { html, useId, useState } from '../vendor/preact.js';
import { post, enc } from './api.js';
import { navigate } from './router.js';
import { Field, SelectField, TextField, ErrorBox, say } from './components.js';
import { SchemaForm, JsonField } from './schemaform.js';
import { nextCron } from './cron.js';
import { durationMs, scheduleWords } from './model.js';

const METHODS = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'];

export function TriggerPanel({ flow, trigger, onChange, ctx, dirty }) {
  const pr = (p) => (ctx.problems['/trigger' + p] || []).join('; ') || undefined;
  const setType = (type) => {
    const t = { type };
    if (type === 'event') t.events = [];
    if (type === 'schedule') t.every = '1h';
    onChange(t);
  };
  return html`<div class="panel-body">
    <${SelectField} label="Trigger type" value=${trigger.type} onChange=${setType} error=${pr('/type')}
      options=${[{ value: 'webhook', label: 'Webhook' }, { value: 'event', label: 'Event' }, { value: 'schedule', label: 'Schedule' }, { value: 'manual', label: 'Manual' }]} />
    ${pr('') && html`<p class="problem" role="alert">${pr('')}</p>`}
    ${trigger.type === 'manual' && html`<${ManualTrigger} flow=${flow} dirty=${dirty} />`}
    ${trigger.type === 'webhook' && html`<${WebhookTrigger} flow=${flow} trigger=${trigger} onChange=${onChange} ctx=${ctx} pr=${pr} />`}
    ${trigger.type === 'event' && html`<${EventTrigger} trigger=${trigger} onChange=${onChange} ctx=${ctx} pr=${pr} />`}
    ${trigger.type === 'schedule' && html`<${ScheduleTrigger} trigger=${trigger} onChange=${onChange} pr=${pr} />`}
  </div>`;
}

function ManualTrigger({ flow, dirty }) {
  const [payload, setPayload] = useState('{\n  "message": "hello"\n}');
  const [error, setError] = useState(null);
  const run = async () => {
    setError(null);
    let body;
    try {
      body = JSON.parse(payload);
    } catch (e) {
      setError({ problem: { title: 'The payload is not JSON', detail: e.message } });
      return;
    }
    try {
      const r = await post(`/flows/${enc(flow.id)}/runs`, body);
      say('Run started.');
      navigate(`/runs/${enc(r.run_id)}`);
    } catch (e) {
      setError(e);
    }
  };
  const id = useId();
  return html`<div>
    <p class="muted">Runs start from here or through <code>POST /api/v1/flows/{id}/runs</code>; the published version runs.</p>
    <div class="field"><label for=${id}>Payload (JSON)</label>
      <textarea id=${id} rows="5" class="mono" value=${payload} onInput=${(e) => setPayload(e.currentTarget.value)}></textarea></div>
    <button type="button" class="primary" disabled=${!flow || !flow.published_version} onClick=${run}>Run now</button>
    ${flow && !flow.published_version && html` <small class="muted">Publish the flow first.</small>`}
    ${dirty && flow?.published_version && html` <small class="muted">Unsaved changes are not part of the published version.</small>`}
    <${ErrorBox} error=${error} title="The run did not start" />
  </div>`;
}

function WebhookTrigger({ flow, trigger, onChange, ctx, pr }) {
  const url = flow ? flow.webhook_url || `${window.location.origin}/hooks/${flow.id}` : null;
  const methods = trigger.methods || ['POST'];
  const set = (k, v) => {
    const t = { ...trigger };
    if (v === undefined) delete t[k];
    else t[k] = v;
    onChange(t);
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      say('Webhook URL copied.');
    } catch {
      say('Copying is not allowed here; select the URL and copy it.', 'error');
    }
  };
  const urlId = useId();
  return html`<div>
    <div class="field"><label for=${urlId}>Webhook URL</label>
      ${url
        ? html`<div class="inline"><input id=${urlId} readonly value=${url} class="mono" /><button type="button" class="small" onClick=${copy}>Copy URL</button></div>`
        : html`<input id=${urlId} readonly value="(save the flow to get its URL)" />`}
    </div>
    <fieldset><legend>Methods</legend>
      <div class="checks">${METHODS.map((m) => html`<label class="check"><input type="checkbox" checked=${methods.includes(m)}
        onChange=${(e) => {
          const next = e.currentTarget.checked ? [...methods, m] : methods.filter((x) => x !== m);
          set('methods', next.length === 1 && next[0] === 'POST' ? undefined : next);
        }} /> ${m}</label>`)}</div>
      ${pr('/methods') && html`<p class="problem" role="alert">${pr('/methods')}</p>`}
    </fieldset>
    ${ctx.flowSchema && html`<${SchemaForm} schema=${{ properties: { auth: { $ref: '#/$defs/webhook_auth' } } }} value=${trigger}
      pointer="/trigger" ctx=${{ ...ctx, root: ctx.flowSchema }} skip=${[]} onChange=${(v) => set('auth', v.auth && v.auth.type !== 'none' ? v.auth : undefined)} />`}
    <${SelectField} label="Respond" value=${trigger.respond || 'async'} error=${pr('/respond')}
      options=${[{ value: 'async', label: 'At once: 202 with the run (async)' }, { value: 'sync', label: 'When the run ends (sync)' }]}
      onChange=${(v) => { const t = { ...trigger, respond: v }; if (v === 'async') { delete t.respond; delete t.response; } onChange(t); }} />
    ${trigger.respond === 'sync' && html`<fieldset><legend>Sync answer</legend>
      <${TextField} label="Status" value=${trigger.response?.status ?? ''} error=${pr('/response/status')}
        onInput=${(v) => set('response', { ...(trigger.response || {}), status: /^\d+$/.test(v) ? Number(v) : v || undefined })} />
      <${JsonField} label="Body (JSON, templates allowed)" value=${trigger.response?.body} ctx=${ctx} err=${pr('/response/body')}
        onChange=${(v) => set('response', { ...(trigger.response || {}), body: v })} />
    </fieldset>`}
  </div>`;
}

function EventTrigger({ trigger, onChange, ctx, pr }) {
  const events = trigger.events || [];
  const [pattern, setPattern] = useState('');
  const [category, setCategory] = useState('');
  const catalog = (ctx.eventTypes || []).filter((t) => !category || t.category === category);
  const set = (k, v) => {
    const t = { ...trigger };
    if (v === undefined) delete t[k];
    else t[k] = v;
    onChange(t);
  };
  const toggle = (name, on) => set('events', on ? [...events, name] : events.filter((e) => e !== name));
  const languages = [...new Set((ctx.eventTypes || []).flatMap((t) => Object.keys(t.messages || {})))];
  const patId = useId();
  return html`<div>
    <fieldset><legend>Event types</legend>
      ${events.length > 0 && html`<ul class="chips" aria-label="Chosen event types">${events.map((e) => html`<li>${e}
        <button type="button" class="icon" aria-label=${`Remove event type ${e}`} onClick=${() => toggle(e, false)}>✕</button></li>`)}</ul>`}
      ${pr('/events') && html`<p class="problem" role="alert">${pr('/events')}</p>`}
      ${ctx.eventTypesError
        ? html`<p class="muted">The event catalog is not available (${ctx.eventTypesError}); type patterns below.</p>`
        : html`<div>
          <${SelectField} label="Category" value=${category} onChange=${setCategory}
            options=${[{ value: '', label: 'All' }, { value: 'event', label: 'Events' }, { value: 'alarm', label: 'Alarms' }]} />
          <div class="checks catalog">${catalog.length === 0 ? html`<p class="muted">The catalog has no event types yet.</p>` : catalog.map((t) => html`<label class="check">
            <input type="checkbox" checked=${events.includes(t.name)} onChange=${(e) => toggle(t.name, e.currentTarget.checked)} />
            ${t.name}${t.title ? html` <span class="muted">— ${t.title}</span>` : ''}</label>`)}</div>
        </div>`}
      <div class="inline">
        <div class="field"><label for=${patId}>Event type or pattern</label>
          <input id=${patId} value=${pattern} placeholder="sync.* or order.created" onInput=${(e) => setPattern(e.currentTarget.value)}
            onKeyDown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); if (pattern && !events.includes(pattern)) toggle(pattern, true); setPattern(''); } }} /></div>
        <button type="button" class="small" disabled=${!pattern} onClick=${() => { if (!events.includes(pattern)) toggle(pattern, true); setPattern(''); }}>Add pattern</button>
      </div>
    </fieldset>
    <${SelectField} label="Message language" value=${trigger.language || ''} error=${pr('/language')}
      options=${[{ value: '', label: '(default)' }, ...languages.map((l) => ({ value: l, label: l }))]}
      onChange=${(v) => set('language', v || undefined)} />
  </div>`;
}

function ScheduleTrigger({ trigger, onChange, pr }) {
  const mode = trigger.cron !== undefined ? 'cron' : 'every';
  const set = (k, v) => {
    const t = { ...trigger };
    if (v === undefined || v === '') delete t[k];
    else t[k] = v;
    onChange(t);
  };
  let next = [];
  let why = null;
  try {
    if (mode === 'cron') next = nextCron(trigger.cron || '', trigger.timezone || 'UTC');
    else {
      const ms = durationMs(trigger.every);
      if (Number.isNaN(ms) || ms <= 0) throw new Error('not a duration');
      const now = Date.now();
      next = [1, 2, 3, 4, 5].map((i) => new Date(Math.ceil(now / ms) * ms + (i - 1) * ms));
    }
  } catch (e) {
    why = e.message;
  }
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const fmt = (d) => {
    try {
      return d.toLocaleString(undefined, { timeZone: trigger.timezone || 'UTC', weekday: 'long', dateStyle: undefined, year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    } catch {
      return d.toISOString();
    }
  };
  const tzId = useId();
  return html`<div>
    <fieldset><legend>Repeat</legend>
      <label class="check"><input type="radio" name="schedule-mode" checked=${mode === 'every'} onChange=${() => onChange({ type: 'schedule', every: '1h', ...(trigger.timezone ? { timezone: trigger.timezone } : {}) })} /> Every interval</label>
      <label class="check"><input type="radio" name="schedule-mode" checked=${mode === 'cron'} onChange=${() => onChange({ type: 'schedule', cron: '0 9 * * 1-5', ...(trigger.timezone ? { timezone: trigger.timezone } : {}) })} /> Cron expression</label>
    </fieldset>
    ${mode === 'every'
      ? html`<${TextField} label="Every" value=${trigger.every || ''} error=${pr('/every')} hint="A duration such as 15m, 1h or 24h." onInput=${(v) => set('every', v)} />`
      : html`<${TextField} label="Cron" value=${trigger.cron || ''} error=${pr('/cron')} hint="minute hour day-of-month month day-of-week, or @daily" onInput=${(v) => set('cron', v)} />`}
    <${Field} label="Time zone" id=${tzId} error=${pr('/timezone')} hint="UTC when empty.">
      <input id=${tzId} list=${tzId + '-list'} value=${trigger.timezone || ''} onInput=${(e) => set('timezone', e.currentTarget.value)} />
      <datalist id=${tzId + '-list'}>${zones.map((z) => html`<option value=${z} />`)}</datalist>
    </${Field}>
    <p><strong>Runs ${scheduleWords(trigger)}.</strong></p>
    ${why ? html`<p class="muted">Next runs cannot be computed: ${why}</p>` : html`<div><p>Next five runs:</p><ol class="fire-times">${next.map((d) => html`<li>${fmt(d)}</li>`)}</ol></div>`}
  </div>`;
}
