// Shared pieces of every screen: states (loading, empty, error), fields with
// labels, dialogs, toggles, key–value tables and the notice area.
import { html, signal, useEffect, useRef, useState, useId } from '../vendor/preact.js';

/** notice is the message the status area announces (polite live region). */
export const notice = signal(null);

let noticeTimer;
/** say shows a short notice; kind is "ok" or "error". */
export function say(text, kind = 'ok') {
  notice.value = { text, kind, at: Date.now() };
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { notice.value = null; }, 8000);
}

export function Notice() {
  const n = notice.value;
  return html`<div class="notice-area" role="status" aria-live="polite">
    ${n && html`<div class=${'notice ' + n.kind}>${n.text}
      <button type="button" class="link" aria-label="Dismiss notice" onClick=${() => { notice.value = null; }}>×</button></div>`}
  </div>`;
}

export function Loading({ what = 'Loading' }) {
  return html`<p class="loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>${what}…</p>`;
}

export function Empty({ title, children }) {
  return html`<div class="empty"><h2>${title}</h2>${children}</div>`;
}

/** ErrorBox shows an API problem: its title, detail and every field problem. */
export function ErrorBox({ error, title }) {
  if (!error) return null;
  const p = error.problem || { title: 'Error', detail: String(error.message || error) };
  return html`<div class="error-box" role="alert">
    <strong>${title || p.title || 'Error'}</strong>${p.status ? html` <span class="muted">(${p.status})</span>` : ''}
    ${p.detail && html`<p>${p.detail}</p>`}
    ${p.errors && p.errors.length > 0 && html`<ul>${p.errors.map((e) => html`<li><code>${e.pointer || '/'}</code> ${e.message}</li>`)}</ul>`}
  </div>`;
}

/** useLoad runs load() when deps change and keeps {data, error, loading, reload}. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const run = (quiet) => {
    const n = ++seq.current;
    if (!quiet) setState((s) => ({ ...s, loading: true, error: null }));
    return Promise.resolve().then(load).then(
      (data) => { if (n === seq.current) setState({ data, error: null, loading: false }); },
      (error) => { if (n === seq.current) setState((s) => ({ data: quiet ? s.data : null, error, loading: false })); },
    );
  };
  useEffect(() => { run(false); }, deps);
  return { ...state, reload: () => run(true), setData: (data) => setState((s) => ({ ...s, data })) };
}

/** Field wraps a control with its label, hint and problem. */
export function Field({ label, id, hint, error, children, wide }) {
  return html`<div class=${'field' + (error ? ' invalid' : '') + (wide ? ' wide' : '')}>
    <label for=${id}>${label}</label>
    ${children}
    ${hint && html`<small class="hint" id=${id + '-hint'}>${hint}</small>`}
    <small class="problem" id=${id + '-problem'} role=${error ? 'alert' : undefined}>${error || ''}</small>
  </div>`;
}

/** TextField is a labelled input. */
export function TextField({ label, value, onInput, error, hint, type = 'text', ...rest }) {
  const id = useId();
  return html`<${Field} label=${label} id=${id} error=${error} hint=${hint}>
    <input id=${id} type=${type} value=${value ?? ''} aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${id + '-problem' + (hint ? ' ' + id + '-hint' : '')}
      onInput=${(e) => onInput(e.currentTarget.value)} ...${rest} />
  </${Field}>`;
}

/** SelectField is a labelled select over options [{value, label}] or strings. */
export function SelectField({ label, value, onChange, options, error, hint, ...rest }) {
  const id = useId();
  return html`<${Field} label=${label} id=${id} error=${error} hint=${hint}>
    <select id=${id} value=${value ?? ''} aria-invalid=${error ? 'true' : undefined} aria-describedby=${id + '-problem'}
      onChange=${(e) => onChange(e.currentTarget.value)} ...${rest}>
      ${options.map((o) => (typeof o === 'string' ? html`<option value=${o}>${o}</option>` : html`<option value=${o.value}>${o.label}</option>`))}
    </select>
  </${Field}>`;
}

/** CheckField is a labelled checkbox. */
export function CheckField({ label, checked, onChange, hint }) {
  const id = useId();
  return html`<div class="field check">
    <input id=${id} type="checkbox" checked=${!!checked} onChange=${(e) => onChange(e.currentTarget.checked)} />
    <label for=${id}>${label}</label>
    ${hint && html`<small class="hint">${hint}</small>`}
  </div>`;
}

/** Toggle is an on/off switch with a visible label. */
export function Toggle({ label, checked, onChange, disabled, hideLabel }) {
  const id = useId();
  return html`<span class="toggle">
    <input id=${id} type="checkbox" role="switch" checked=${!!checked} disabled=${disabled}
      aria-label=${hideLabel ? label : undefined} onChange=${(e) => onChange(e.currentTarget.checked)} />
    ${!hideLabel && html`<label for=${id}>${label}</label>`}
  </span>`;
}

/** Dialog is a modal <dialog>; onClose runs on Escape or Cancel. */
export function Dialog({ title, onClose, children, wide }) {
  const ref = useRef();
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => { if (d && d.open) d.close(); };
  }, []);
  return html`<dialog ref=${ref} class=${wide ? 'wide' : ''} aria-labelledby=${id}
    onCancel=${(e) => { e.preventDefault(); onClose(); }}>
    <h2 id=${id}>${title}</h2>
    ${children}
  </dialog>`;
}

/** Confirm asks a yes/no question in a dialog. */
export function Confirm({ title, children, confirmLabel, danger, onConfirm, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${title} onClose=${onClose}>
    ${children}
    <${ErrorBox} error=${error} />
    <div class="actions">
      <button type="button" onClick=${onClose}>Cancel</button>
      <button type="button" class=${danger ? 'danger' : 'primary'} disabled=${busy} onClick=${go}>${confirmLabel}</button>
    </div>
  </${Dialog}>`;
}

/**
 * KeyValueTable edits a list of [name, value] rows (names may repeat).
 * renderValue(value, onValue, label) may replace the value input.
 */
export function KeyValueTable({ label, rows, onChange, problems = {}, renderValue, keyLabel = 'Name', valueLabel = 'Value', extraRows }) {
  const set = (i, k, v) => onChange(rows.map((r, j) => (j === i ? [k, v] : r)));
  return html`<fieldset class="kv">
    <legend>${label}</legend>
    <table>
      <thead><tr><th scope="col">${keyLabel}</th><th scope="col">${valueLabel}</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>
        ${extraRows}
        ${rows.map(([k, v], i) => html`<tr key=${i}>
          <td><input aria-label=${`${label} ${keyLabel.toLowerCase()} ${i + 1}`} value=${k}
            aria-invalid=${problems[k] ? 'true' : undefined} onInput=${(e) => set(i, e.currentTarget.value, v)} />
            ${problems[k] && html`<small class="problem" role="alert">${problems[k]}</small>`}</td>
          <td>${renderValue
            ? renderValue(v, (nv) => set(i, k, nv), `${label} ${valueLabel.toLowerCase()} ${i + 1}`)
            : html`<input aria-label=${`${label} ${valueLabel.toLowerCase()} ${i + 1}`} value=${v} onInput=${(e) => set(i, k, e.currentTarget.value)} />`}</td>
          <td><button type="button" class="icon" aria-label=${`Remove ${label.toLowerCase()} row ${i + 1}`}
            onClick=${() => onChange(rows.filter((_, j) => j !== i))}>✕</button></td>
        </tr>`)}
      </tbody>
    </table>
    <button type="button" class="small" onClick=${() => onChange([...rows, ['', '']])}>Add ${label.toLowerCase().replace(/s$/, '')}</button>
  </fieldset>`;
}

/** rowsOf turns an object (array values repeat the key) into rows. */
export function rowsOf(obj) {
  const rows = [];
  for (const [k, v] of Object.entries(obj || {})) {
    if (Array.isArray(v)) v.forEach((x) => rows.push([k, x]));
    else rows.push([k, v]);
  }
  return rows;
}

/** objectOf turns rows back into an object; repeated keys become arrays. */
export function objectOf(rows) {
  const out = {};
  for (const [k, v] of rows) {
    if (k in out) out[k] = Array.isArray(out[k]) ? [...out[k], v] : [out[k], v];
    else out[k] = v;
  }
  return out;
}

/** Pre shows JSON or text in a focusable, scrollable block. */
export function Pre({ value, label }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return html`<pre class="code" tabindex="0" aria-label=${label}>${text ?? ''}</pre>`;
}

/** when formats a time in words: "3 Jun 2025, 09:00:12 (2 min ago)". */
export function when(t) {
  if (!t) return '—';
  const d = new Date(t);
  if (isNaN(d)) return String(t);
  return `${d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })} (${ago(d)})`;
}

/** ago says how far d is from now in words. */
export function ago(d) {
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  const abs = Math.abs(s);
  const fmt = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (abs < 60) return fmt.format(-s, 'second');
  if (abs < 3600) return fmt.format(-Math.round(s / 60), 'minute');
  if (abs < 86400) return fmt.format(-Math.round(s / 3600), 'hour');
  return fmt.format(-Math.round(s / 86400), 'day');
}

/** StatusBadge shows a run or step status. */
export function StatusBadge({ status }) {
  return html`<span class=${'badge status-' + (status || 'unknown')}>${status || 'unknown'}</span>`;
}
