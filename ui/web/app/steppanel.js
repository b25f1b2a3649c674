// A step's settings: its name and id, the connector's form (generated from
// its JSON Schema), retries and on-error, a sample payload with a live
// preview of templates, and Test HTTP.
import { html, useEffect, useId, useState } from '../vendor/preact.js';
import { post } from './api.js';
import { TextField, SelectField, ErrorBox, Loading } from './components.js';
import { SchemaForm } from './schemaform.js';
import { TestResult } from './testresult.js';

/** sampleContext is the run context templates see in previews and tests. */
export function sampleContext(flow, doc, sample) {
  const now = new Date().toISOString();
  const ctx = {
    flow: { id: flow ? flow.id : 'draft', name: doc.name, version: (flow && flow.published_version) || 0 },
    run: { id: 'preview', started_at: now },
    trigger: { type: doc.trigger.type },
    data: sample,
    steps: {},
  };
  if (doc.trigger.type === 'event') {
    ctx.event = { event_id: 'evt_sample', event_time: now, event_type: (doc.trigger.events || [])[0] || 'sample.event', current_context: {}, data: sample };
  } else {
    ctx.trigger.body = sample;
  }
  return ctx;
}

function flatten(v, prefix, out, depth) {
  if (depth > 4 || v === null || typeof v !== 'object' || Array.isArray(v)) return;
  for (const [k, x] of Object.entries(v)) {
    const p = `${prefix}.${k}`;
    out.push({ path: p, description: `sample: ${JSON.stringify(x).slice(0, 40)}` });
    flatten(x, p, out, depth + 1);
  }
}

const COMMON = [
  ['flow_name', "the flow's name"], ['flow_id', "the flow's id"], ['flow.version', 'the published version being run'],
  ['run_id', "this run's id"], ['run.started_at', 'when this run started (RFC 3339)'], ['trigger.type', 'what started the run'],
];
const BY_TRIGGER = {
  manual: [['trigger.body', 'the JSON posted to start the run'], ['data', 'the JSON posted to start the run']],
  webhook: [['trigger.body', "the webhook's body"], ['trigger.headers', "the webhook's request headers"], ['trigger.query', "the webhook's query parameters"], ['trigger.files', 'files uploaded with the webhook'], ['data', "the webhook's body"]],
  event: [['event', 'the event envelope'], ['event.event_id', "the event's id"], ['event_type', "the event's type"], ['event_time', 'when the event happened'], ['event.current_context', 'the context the sender attached'], ['data', "the event's data"]],
  schedule: [],
};

/** stepVariables lists the completions for step index of doc. */
export function stepVariables(doc, index, server, sample) {
  const out = [];
  const seen = new Set();
  const add = (path, description) => {
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, description });
  };
  const fromServer = server && server.steps && server.steps.find((s) => s.step_id === doc.steps[index]?.id);
  if (fromServer) fromServer.variables.forEach((v) => add(v.path, v.description));
  COMMON.forEach(([p, d]) => add(p, d));
  (BY_TRIGGER[doc.trigger.type] || []).forEach(([p, d]) => add(p, d));
  for (const s of doc.steps.slice(0, index)) {
    add(`steps.${s.id}.status`, `status code answered to ${s.name || s.id}`);
    add(`steps.${s.id}.body`, `body answered to ${s.name || s.id}`);
    add(`steps.${s.id}.headers`, `headers answered to ${s.name || s.id}`);
  }
  const flat = [];
  flatten(sample, 'data', flat, 0);
  flat.forEach((v) => add(v.path, v.description));
  return out;
}

function at(value, path) {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

export function StepPanel({ index, step, doc, flow, connectors, ctx, serverVariables, onChange }) {
  const conn = connectors.find((c) => c.type === step.type);
  const [sampleText, setSampleText] = useState(() => {
    const ex = (ctx.eventTypes || []).find((t) => (doc.trigger.events || []).includes(t.name));
    return JSON.stringify(ex?.example ?? { message: 'Disk almost full', operation_type: 'sync', host: 'db-1' }, null, 2);
  });
  const [rendered, setRendered] = useState(null);
  const [test, setTest] = useState(null);
  let sample = null;
  let sampleError = null;
  try {
    sample = JSON.parse(sampleText);
  } catch (e) {
    sampleError = e.message;
  }
  const base = `/steps/${index}`;
  const pr = (p) => (ctx.problems[base + p] || []).join('; ') || undefined;

  // Live preview: render the config against the sample, nothing is sent.
  const key = JSON.stringify([step.type, step.config, sample, doc.name, doc.trigger.type]);
  useEffect(() => {
    if (sampleError || !JSON.stringify(step.config).includes('{{')) {
      setRendered(null);
      return undefined;
    }
    let alive = true;
    const t = setTimeout(() => {
      post('/render', { type: step.type, config: step.config, context: sampleContext(flow, doc, sample) })
        .then((r) => { if (alive) setRendered(r.config); }, () => { if (alive) setRendered(null); });
    }, 250);
    return () => {
      alive = false;
      clearTimeout(t);
    };
  }, [key]);

  const fctx = {
    ...ctx,
    root: conn ? conn.config_schema : {},
    variables: () => stepVariables(doc, index, serverVariables, sample),
    preview: (pointer, asJSON) => {
      if (!rendered) return undefined;
      const rel = pointer.slice((base + '/config').length).split('/').filter(Boolean);
      const v = at(rendered, rel);
      if (v === undefined) return undefined;
      return typeof v === 'string' && !asJSON ? v : JSON.stringify(v);
    },
  };

  const runTest = async () => {
    setTest({ busy: true });
    try {
      const r = await post('/actions/test', { type: step.type, config: step.config, context: sampleContext(flow, doc, sample) });
      setTest({ result: r });
    } catch (e) {
      setTest({ error: e });
    }
  };

  const retry = step.retry || {};
  const setRetry = (k, v) => {
    const r = { ...retry };
    if (v === undefined || v === '' || Number.isNaN(v)) delete r[k];
    else r[k] = v;
    const s = { ...step, retry: r };
    if (!Object.keys(r).length) delete s.retry;
    onChange(s);
  };
  const sampleId = useId();
  return html`<div class="panel-body">
    <h2>Step ${index + 1}: ${step.name || step.id}</h2>
    <div class="inline">
      <${TextField} label="Step name" value=${step.name || ''} error=${pr('/name')} onInput=${(v) => onChange({ ...step, name: v || undefined })} />
      <${TextField} label="Step id" value=${step.id} error=${pr('/id')} hint="Later steps read its output as steps.<id>."
        onInput=${(v) => onChange({ ...step, id: v })} />
    </div>
    ${pr('') && html`<p class="problem" role="alert">${pr('')}</p>`}
    ${conn
      ? html`<${SchemaForm} schema=${conn.config_schema} value=${step.config} pointer=${base + '/config'} ctx=${fctx}
          onChange=${(c) => onChange({ ...step, config: c || {} })} />`
      : html`<p class="problem">No connector “${step.type}” on this server.</p>`}
    ${pr('/config') && html`<p class="problem" role="alert">${pr('/config')}</p>`}
    <fieldset class="retry"><legend>Retries and errors</legend>
      <div class="inline">
        <${TextField} label="Attempts" type="number" min="1" value=${retry.max_attempts ?? ''} error=${pr('/retry/max_attempts')}
          onInput=${(v) => setRetry('max_attempts', v === '' ? undefined : parseInt(v, 10))} />
        <${TextField} label="First retry after" value=${retry.initial_interval ?? ''} placeholder="1s" error=${pr('/retry/initial_interval')}
          onInput=${(v) => setRetry('initial_interval', v)} />
        <${TextField} label="Backoff coefficient" type="number" min="1" step="0.1" value=${retry.backoff_coefficient ?? ''} error=${pr('/retry/backoff_coefficient')}
          onInput=${(v) => setRetry('backoff_coefficient', v === '' ? undefined : Number(v))} />
        <${TextField} label="Longest delay" value=${retry.max_interval ?? ''} placeholder="5m" error=${pr('/retry/max_interval')}
          onInput=${(v) => setRetry('max_interval', v)} />
      </div>
      <${SelectField} label="On error" value=${step.on_error || 'fail'} error=${pr('/on_error')}
        options=${[{ value: 'fail', label: 'Fail the run' }, { value: 'continue', label: 'Record the failure and go on' }]}
        onChange=${(v) => { const s = { ...step, on_error: v }; if (v === 'fail') delete s.on_error; onChange(s); }} />
    </fieldset>
    <fieldset class="try"><legend>Try it</legend>
      <div class=${'field' + (sampleError ? ' invalid' : '')}>
        <label for=${sampleId}>Sample payload (JSON): what templates read as data</label>
        <textarea id=${sampleId} rows="5" class="mono" value=${sampleText} aria-describedby=${sampleId + '-problem'}
          onInput=${(e) => setSampleText(e.currentTarget.value)}></textarea>
        <small class="problem" id=${sampleId + '-problem'}>${sampleError ? 'not valid JSON: ' + sampleError : ''}</small>
      </div>
      <button type="button" class="primary" disabled=${!!sampleError || (test && test.busy)} onClick=${runTest}>Test HTTP</button>
      ${test?.busy && html`<${Loading} what="Sending" />`}
      <${ErrorBox} error=${test?.error} title="The test could not run" />
      <${TestResult} result=${test?.result} />
    </fieldset>
  </div>`;
}
