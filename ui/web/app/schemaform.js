// A settings form generated from a connector's JSON Schema
// (GET /api/v1/connectors): strings become template fields, enums selects,
// booleans checkboxes, maps key–value tables, unions chosen by "type" a
// select (or tabs for the body) with the variant's fields. What the schema
// cannot describe as a form is edited as JSON, never hidden.
import { html, useEffect, useId, useState } from '../vendor/preact.js';
import { TemplateField } from './template.js';
import { Field, KeyValueTable, rowsOf, objectOf, CheckField } from './components.js';
import { CredentialPicker } from './credentialpicker.js';

const LABELS = {
  method: 'Method', url: 'URL', headers: 'Headers', query: 'Query parameters', body: 'Body', auth: 'Auth type',
  skip_nulls: 'Stop sending null values', timeout: 'Timeout', follow_redirects: 'Follow redirects',
  allow_insecure_tls: 'Allow insecure certificates', success_codes: 'Success codes',
  max_response_bytes: 'Largest response (bytes)', username: 'Username', credential: 'Credential',
  in: 'Key sent in', name: 'Key name', grant: 'Grant', token_url: 'Token URL', client_id: 'Client ID', scopes: 'Scopes',
  raw: 'Raw body', content_type: 'Content type', fields: 'Form fields', parts: 'Parts', json: 'JSON body',
};
const ADVANCED = new Set(['timeout', 'follow_redirects', 'allow_insecure_tls', 'success_codes', 'max_response_bytes']);
const BODY_TABS = [['none', 'None'], ['json', 'JSON'], ['raw', 'Raw'], ['form', 'Form URL-encoded'], ['multipart', 'Form-data']];
const BODY_DEFAULTS = {
  none: { type: 'none' }, json: { type: 'json', json: {} }, raw: { type: 'raw', raw: '', content_type: 'text/plain' },
  form: { type: 'form', fields: {} }, multipart: { type: 'multipart', parts: [] },
};
const DEFAULT_CT = { json: 'application/json', form: 'application/x-www-form-urlencoded', multipart: 'multipart/form-data; boundary=…', raw: 'text/plain; charset=utf-8' };

const label = (k) => LABELS[k] || k.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** resolve follows "#/$defs/…" references against root. */
export function resolve(s, root) {
  let guard = 0;
  while (s && s.$ref && guard++ < 20) {
    const path = s.$ref.replace(/^#\//, '').split('/');
    let t = root;
    for (const p of path) t = t && t[p];
    s = t ? { ...t, ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) } : null;
  }
  return s || {};
}

/** variantOf returns the schema a union takes for type t. */
function variantOf(s, t, root) {
  for (const branch of s.allOf || []) {
    if (branch.if?.properties?.type?.const !== t) continue;
    const then = resolve(branch.then, root);
    const own = Object.entries(s.properties || {}).filter(([k]) => k !== 'type');
    if (own.length === 0) return then;
    // The union lists its properties itself and each branch switches off
    // (false) those its variant does not take.
    const properties = Object.fromEntries(own.filter(([k]) => then.properties?.[k] !== false));
    return { type: 'object', properties, required: then.required || [] };
  }
  return {};
}

const isUnion = (s) => s.properties?.type?.enum && s.allOf;

function without(obj, k) {
  const o = { ...(obj || {}) };
  delete o[k];
  return o;
}

function put(obj, k, v) {
  if (v === undefined) return without(obj, k);
  return { ...(obj || {}), [k]: v };
}

/**
 * SchemaForm renders the properties of an object schema. ctx carries root
 * (the schema with $defs), problems (pointer → messages), variables(),
 * preview(pointer) and credentials.
 */
export function SchemaForm({ schema, value, onChange, pointer, ctx, skip = [] }) {
  const s = resolve(schema, ctx.root);
  const props = Object.entries(s.properties || {}).filter(([k]) => !skip.includes(k));
  const basic = props.filter(([k]) => !ADVANCED.has(k));
  const advanced = props.filter(([k]) => ADVANCED.has(k));
  const field = ([k, ps]) => html`<${PropertyField} key=${k} name=${k} schema=${ps} required=${(s.required || []).includes(k)}
    value=${value?.[k]} onChange=${(v) => onChange(put(value, k, v))} pointer=${pointer + '/' + k} ctx=${ctx} parent=${value} />`;
  return html`<div class="schema-form">
    ${basic.map(field)}
    ${advanced.length > 0 && html`<details class="advanced"><summary>More options</summary>${advanced.map(field)}</details>`}
  </div>`;
}

function PropertyField({ name, schema, value, onChange, pointer, ctx, required, parent }) {
  const s = resolve(schema, ctx.root);
  const err = (ctx.problems[pointer] || []).join('; ') || undefined;
  if (name === 'body' && isUnion(s)) return html`<${BodyEditor} schema=${s} value=${value} onChange=${onChange} pointer=${pointer} ctx=${ctx} />`;
  if (name === 'headers') return html`<${HeadersTable} value=${value} onChange=${onChange} pointer=${pointer} ctx=${ctx} bodyType=${parent?.body?.type} />`;
  if (name === 'parts') return html`<${PartsEditor} value=${value} onChange=${onChange} pointer=${pointer} ctx=${ctx} />`;
  if (name === 'credential') {
    return html`<${CredentialPicker} value=${value} onChange=${onChange} error=${err} ctx=${ctx} />`;
  }
  if (isUnion(s)) return html`<${UnionField} name=${name} schema=${s} value=${value} onChange=${onChange} pointer=${pointer} ctx=${ctx} err=${err} />`;
  if (s.enum) {
    const opts = (required ? [] : [{ value: '', label: s.default !== undefined ? `(default: ${s.default})` : '(not set)' }])
      .concat(s.enum.map((e) => ({ value: e, label: e })));
    return html`<${Select} label=${label(name)} value=${value ?? ''} options=${opts} err=${err} hint=${s.description}
      onChange=${(v) => onChange(v === '' ? undefined : v)} />`;
  }
  if (s.examples && s.type === 'string') return html`<${MethodField} label=${label(name)} schema=${s} value=${value} onChange=${onChange} err=${err} />`;
  if (s.type === 'boolean') {
    return html`<${CheckField} label=${label(name)} checked=${value ?? s.default ?? false} hint=${s.description}
      onChange=${(v) => onChange(v === (s.default ?? false) ? undefined : v)} />`;
  }
  if (s.type === 'integer' || s.type === 'number') return html`<${NumberField} label=${label(name)} schema=${s} value=${value} onChange=${onChange} err=${err} />`;
  if (s.type === 'string' || (s.description && /template/i.test(s.description) && !s.type)) {
    return html`<${TemplateField} label=${label(name)} value=${value ?? ''} error=${err} hint=${s.default !== undefined ? `Default: ${s.default}` : undefined}
      variables=${ctx.variables} preview=${typeof value === 'string' && value.includes('{{') ? ctx.preview(pointer) : undefined}
      placeholder=${name === 'url' ? 'https://example.com/hook' : ''}
      onChange=${(v) => onChange(v === '' && !required ? undefined : v)} />`;
  }
  if (s.type === 'object' && s.additionalProperties && !s.properties) {
    return html`<${KeyValueTable} label=${label(name)} rows=${rowsOf(value)} onChange=${(rows) => onChange(rows.length ? objectOf(rows) : undefined)}
      renderValue=${(v, set, l) => html`<${TemplateField} compact label=${l} value=${v == null ? '' : String(v)} onChange=${set} variables=${ctx.variables} />`} />`;
  }
  if (s.type === 'array' && scalarItems(s, ctx.root)) {
    return html`<${ListField} label=${label(name)} value=${value} onChange=${onChange} err=${err} hint=${s.description} />`;
  }
  return html`<${JsonField} label=${label(name) + ' (JSON)'} value=${value} onChange=${onChange} err=${err} ctx=${ctx} />`;
}

function scalarItems(s, root) {
  const it = resolve(s.items || {}, root);
  if (['string', 'integer', 'number'].includes(it.type)) return true;
  return Array.isArray(it.anyOf) && it.anyOf.every((b) => ['string', 'integer', 'number'].includes(resolve(b, root).type));
}

function Select({ label: l, value, options, onChange, err, hint }) {
  const id = useId();
  return html`<${Field} label=${l} id=${id} error=${err}>
    <select id=${id} value=${value} aria-invalid=${err ? 'true' : undefined} aria-describedby=${id + '-problem'} title=${hint}
      onChange=${(e) => onChange(e.currentTarget.value)}>
      ${options.map((o) => html`<option value=${o.value}>${o.label}</option>`)}
    </select>
  </${Field}>`;
}

function MethodField({ label: l, schema, value, onChange, err }) {
  const id = useId();
  const known = schema.examples.includes(value ?? schema.default);
  const [custom, setCustom] = useState(!known);
  return html`<${Field} label=${l} id=${id} error=${err}>
    <div class="inline">
      <select id=${id} value=${custom ? '__custom' : value ?? schema.default} aria-describedby=${id + '-problem'}
        onChange=${(e) => {
          const v = e.currentTarget.value;
          if (v === '__custom') { setCustom(true); return; }
          setCustom(false);
          onChange(v);
        }}>
        ${schema.examples.map((m) => html`<option value=${m}>${m}</option>`)}
        <option value="__custom">Custom…</option>
      </select>
      ${custom && html`<input aria-label="Custom method" value=${value ?? ''} onInput=${(e) => onChange(e.currentTarget.value.toUpperCase())} />`}
    </div>
  </${Field}>`;
}

function NumberField({ label: l, schema, value, onChange, err }) {
  const id = useId();
  return html`<${Field} label=${l} id=${id} error=${err} hint=${schema.default !== undefined ? `Default: ${schema.default}` : undefined}>
    <input id=${id} type="number" value=${value ?? ''} min=${schema.minimum} max=${schema.maximum} step=${schema.type === 'integer' ? 1 : 'any'}
      aria-invalid=${err ? 'true' : undefined} aria-describedby=${id + '-problem'}
      onInput=${(e) => { const t = e.currentTarget.value; onChange(t === '' ? undefined : Number(t)); }} />
  </${Field}>`;
}

function ListField({ label: l, value, onChange, err, hint }) {
  const id = useId();
  const text = (value || []).join(', ');
  return html`<${Field} label=${l} id=${id} error=${err} hint=${hint ? 'Comma-separated. ' + hint : 'Comma-separated.'}>
    <input id=${id} value=${text} aria-invalid=${err ? 'true' : undefined} aria-describedby=${id + '-problem'}
      onChange=${(e) => {
        const items = e.currentTarget.value.split(',').map((x) => x.trim()).filter(Boolean).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
        onChange(items.length ? items : undefined);
      }} />
  </${Field}>`;
}

/** JsonField edits any JSON value as text; text that does not parse is kept and marked. */
export function JsonField({ label: l, value, onChange, err, ctx, preview }) {
  const [local, setLocal] = useState(null);
  const text = value === undefined ? '' : JSON.stringify(value, null, 2);
  useEffect(() => { setLocal(null); }, [text]);
  return html`<${TemplateField} label=${l} multiline json value=${local ?? text} variables=${ctx && ctx.variables} preview=${preview}
    error=${local !== null ? 'not valid JSON yet; the last valid value is kept' : err}
    onChange=${(t) => {
      if (t.trim() === '') { setLocal(null); onChange(undefined); return; }
      try {
        const v = JSON.parse(t);
        setLocal(null);
        if (JSON.stringify(v) !== JSON.stringify(value)) onChange(v);
      } catch {
        setLocal(t);
      }
    }} />`;
}

function UnionField({ name, schema, value, onChange, pointer, ctx, err }) {
  const t = value?.type ?? 'none';
  const variant = variantOf(schema, t, ctx.root);
  return html`<fieldset class="union">
    <legend>${label(name)}</legend>
    <${Select} label=${label(name)} value=${t} err=${err || (ctx.problems[pointer + '/type'] || []).join('; ') || undefined}
      options=${schema.properties.type.enum.map((e) => ({ value: e, label: e.replace(/_/g, ' ') }))}
      onChange=${(nt) => onChange(nt === 'none' && name === 'auth' ? undefined : { type: nt })} />
    <${SchemaForm} schema=${variant} value=${value} pointer=${pointer} ctx=${ctx} skip=${['type']}
      onChange=${(v) => onChange({ ...v, type: t })} />
  </fieldset>`;
}

function BodyEditor({ schema, value, onChange, pointer, ctx }) {
  const t = value?.type ?? 'none';
  const id = useId();
  const variant = variantOf(schema, t, ctx.root);
  const onKey = (e, i) => {
    const n = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!n) return;
    const next = BODY_TABS[(i + n + BODY_TABS.length) % BODY_TABS.length][0];
    onChange(next === 'none' ? undefined : BODY_DEFAULTS[next]);
    setTimeout(() => document.getElementById(`${id}-${next}`)?.focus());
  };
  const err = (ctx.problems[pointer] || []).join('; ');
  return html`<fieldset class="body-editor">
    <legend>Body</legend>
    <div role="tablist" aria-label="Body type">
      ${BODY_TABS.map(([k, l], i) => html`<button type="button" role="tab" id=${`${id}-${k}`} aria-selected=${t === k ? 'true' : 'false'}
        aria-controls=${id + '-panel'} tabindex=${t === k ? 0 : -1} onKeyDown=${(e) => onKey(e, i)}
        onClick=${() => t !== k && onChange(k === 'none' ? undefined : clone(BODY_DEFAULTS[k]))}>${l}</button>`)}
    </div>
    <div role="tabpanel" id=${id + '-panel'} aria-labelledby=${`${id}-${t}`}>
      ${err && html`<p class="problem" role="alert">${err}</p>`}
      ${t === 'none' && html`<p class="muted">No body is sent.</p>`}
      ${t === 'json' && html`<${JsonField} label="JSON body" value=${value.json} ctx=${ctx} err=${(ctx.problems[pointer + '/json'] || []).join('; ') || undefined}
        preview=${JSON.stringify(value.json ?? null).includes('{{') ? ctx.preview(pointer + '/json', true) : undefined}
        onChange=${(v) => onChange({ ...value, json: v === undefined ? null : v })} />`}
      ${t !== 'none' && t !== 'json' && html`<${SchemaForm} schema=${variant} value=${value} pointer=${pointer} ctx=${ctx} skip=${['type']}
        onChange=${(v) => onChange({ ...v, type: t })} />`}
    </div>
  </fieldset>`;
}

const clone = (v) => JSON.parse(JSON.stringify(v));

function HeadersTable({ value, onChange, pointer, ctx, bodyType }) {
  const rows = rowsOf(Object.fromEntries(Object.entries(value || {}).filter(([, v]) => v !== null)));
  const removed = Object.entries(value || {}).filter(([, v]) => v === null).map(([k]) => k);
  const hasCT = Object.keys(value || {}).some((k) => k.toLowerCase() === 'content-type');
  const def = DEFAULT_CT[bodyType];
  const setRows = (r) => {
    const o = objectOf(r);
    for (const k of removed) o[k] = null;
    onChange(Object.keys(o).length ? o : undefined);
  };
  const problems = {};
  for (const [p, m] of Object.entries(ctx.problems)) if (p.startsWith(pointer + '/')) problems[p.slice(pointer.length + 1)] = m.join('; ');
  const extra = html`
    ${def && !hasCT && html`<tr class="default-row"><td>Content-Type</td><td><span class="muted">${def} (default)</span></td>
      <td><button type="button" class="icon" aria-label="Remove default Content-Type header" onClick=${() => onChange({ ...(value || {}), 'Content-Type': null })}>✕</button></td></tr>`}
    ${removed.map((k) => html`<tr class="default-row"><td><s>${k}</s></td><td><span class="muted">not sent</span></td>
      <td><button type="button" class="small" aria-label=${`Restore default ${k} header`} onClick=${() => { const o = { ...value }; delete o[k]; onChange(Object.keys(o).length ? o : undefined); }}>Restore</button></td></tr>`)}`;
  return html`<${KeyValueTable} label="Headers" rows=${rows} onChange=${setRows} problems=${problems} extraRows=${extra}
    renderValue=${(v, set, l) => html`<${TemplateField} compact label=${l} value=${Array.isArray(v) ? v.join(', ') : v == null ? '' : String(v)} onChange=${set} variables=${ctx.variables} />`} />`;
}

function PartsEditor({ value, onChange, pointer, ctx }) {
  const parts = value || [];
  const set = (i, p) => onChange(parts.map((x, j) => (j === i ? p : x)));
  return html`<fieldset class="parts">
    <legend>Parts</legend>
    ${parts.length === 0 && html`<p class="muted">No parts yet.</p>`}
    ${parts.map((p, i) => {
      const isFile = 'file' in p;
      const base = `${pointer}/${i}`;
      const err = (ctx.problems[base] || []).join('; ');
      return html`<div class="part" key=${i}>
        <div class="inline">
          <div class="field"><label for=${`part-${i}-name`}>Part ${i + 1} name</label>
            <input id=${`part-${i}-name`} value=${p.name || ''} onInput=${(e) => set(i, { ...p, name: e.currentTarget.value })} /></div>
          <div class="field"><label for=${`part-${i}-kind`}>Part ${i + 1} kind</label>
            <select id=${`part-${i}-kind`} value=${isFile ? 'file' : 'text'}
              onChange=${(e) => set(i, e.currentTarget.value === 'file' ? { name: p.name, file: [] } : { name: p.name, value: '' })}>
              <option value="text">Text</option><option value="file">Files</option>
            </select></div>
          <button type="button" class="icon" aria-label=${`Remove part ${i + 1}`} onClick=${() => onChange(parts.filter((_, j) => j !== i))}>✕</button>
        </div>
        ${err && html`<p class="problem" role="alert">${err}</p>`}
        ${isFile
          ? html`<${FilesEditor} index=${i} value=${p.file} onChange=${(f) => set(i, { ...p, file: f })} ctx=${ctx} />`
          : html`<${TemplateField} label=${`Part ${i + 1} value`} value=${typeof p.value === 'string' ? p.value : JSON.stringify(p.value ?? '')}
              variables=${ctx.variables} onChange=${(v) => set(i, { ...p, value: v })} />`}
      </div>`;
    })}
    <div class="actions left">
      <button type="button" class="small" onClick=${() => onChange([...parts, { name: '', value: '' }])}>Add text part</button>
      <button type="button" class="small" onClick=${() => onChange([...parts, { name: 'Attachments[]', file: [] }])}>Add file part</button>
    </div>
  </fieldset>`;
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

function FilesEditor({ index, value, onChange, ctx }) {
  const id = useId();
  if (typeof value === 'string') {
    return html`<${TemplateField} label=${`Part ${index + 1} files template`} value=${value} variables=${ctx.variables}
      hint="A template naming files a trigger received, such as {{ trigger.files.attachment }}." onChange=${onChange} />`;
  }
  const files = Array.isArray(value) ? value : value ? [value] : [];
  const add = async (list) => {
    const added = [];
    for (const f of list) added.push({ filename: f.name, content_type: f.type || 'application/octet-stream', content_base64: await readBase64(f) });
    onChange([...files, ...added]);
  };
  return html`<div class="files">
    <ul>${files.map((f, j) => html`<li key=${j}>
      ${f.url ? html`<span>URL: ${f.url}</span>` : html`<span>${f.filename || '(unnamed)'}</span>`}
      <span class="muted"> ${f.content_type || ''}${f.content_base64 ? ` · ${Math.floor((f.content_base64.length * 3) / 4)} bytes` : ''}</span>
      <button type="button" class="icon" aria-label=${`Remove file ${f.filename || j + 1} from part ${index + 1}`}
        onClick=${() => onChange(files.filter((_, k) => k !== j))}>✕</button></li>`)}</ul>
    <div class="inline">
      <label for=${id}>Add files to part ${index + 1}</label>
      <input id=${id} type="file" multiple onChange=${(e) => { add([...e.currentTarget.files]); e.currentTarget.value = ''; }} />
      <button type="button" class="small" onClick=${() => onChange('{{ trigger.files }}')}>Use a template</button>
    </div>
  </div>`;
}
