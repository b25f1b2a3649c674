// Template fields: CodeMirror editors offering {{ variable }} completions.
// The editor bundle is loaded the first time a settings panel shows one.
import { html, useEffect, useRef, useState, useId } from '../vendor/preact.js';

let loading = null;
/** loadEditor imports the CodeMirror bundle once. */
export function loadEditor() {
  if (!loading) loading = import('../vendor/codemirror.js');
  return loading;
}

/**
 * TemplateField is a labelled template editor. variables() returns the
 * completions [{path, description}] for the field.
 */
export function TemplateField({ label, value, onChange, error, hint, multiline, json, variables, placeholder, readOnly, preview, compact }) {
  const id = useId();
  const host = useRef();
  const ed = useRef(null);
  const latest = useRef({ onChange, variables });
  latest.current = { onChange, variables };
  const [failed, setFailed] = useState(null);

  useEffect(() => {
    let alive = true;
    loadEditor().then((m) => {
      if (!alive || !host.current) return;
      ed.current = m.createTemplateEditor(host.current, {
        value: value ?? '', label, multiline, json, placeholder, readOnly,
        describedBy: id + '-problem',
        onChange: (t) => latest.current.onChange && latest.current.onChange(t),
        variables: () => (latest.current.variables ? latest.current.variables() : []),
      });
    }, (e) => { if (alive) setFailed(e); });
    return () => {
      alive = false;
      if (ed.current) ed.current.destroy();
      ed.current = null;
    };
  }, []);

  // A value from outside (undo, a reload) replaces the text, but not while
  // the user types in this field: a render carrying the value from before
  // the last keystroke would otherwise undo it.
  useEffect(() => {
    if (ed.current && !ed.current.hasFocus()) ed.current.setValue(value ?? '');
  }, [value]);

  return html`<div class=${'field' + (error ? ' invalid' : '') + (compact ? ' compact' : '')}>
    <span class=${compact ? 'sr-only' : 'label'} id=${id + '-label'}>${label}</span>
    ${failed
      ? html`<input aria-label=${label} value=${value ?? ''} onInput=${(e) => onChange(e.currentTarget.value)} />`
      : html`<div class=${'template' + (multiline ? ' multiline' : '')} ref=${host} data-template-field=${label}></div>`}
    ${hint && html`<small class="hint">${hint}</small>`}
    ${preview !== undefined && preview !== null && html`<small class="preview"><span class="muted">Preview: </span><output aria-label=${'Preview of ' + label}>${preview}</output></small>`}
    <small class="problem" id=${id + '-problem'} role=${error ? 'alert' : undefined}>${error || ''}</small>
  </div>`;
}
