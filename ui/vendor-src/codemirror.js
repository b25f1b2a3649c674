// Entry of web/vendor/codemirror.js: a template editor built on CodeMirror 6
// that offers {{ variable }} completions, as one ES module (bundled by
// `make vendor`). The builder loads it only when a settings panel opens.
import { EditorState, Compartment } from '@codemirror/state';
import { EditorView, keymap, placeholder as placeholderExt, drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { autocompletion, completionKeymap, closeBrackets } from '@codemirror/autocomplete';
import { syntaxHighlighting, HighlightStyle, bracketMatching } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { json } from '@codemirror/lang-json';

// highlight colours JSON through CSS variables, so the page's light and
// dark themes both keep their contrast.
const highlight = HighlightStyle.define([
  { tag: tags.string, color: 'var(--hl-string)' },
  { tag: tags.number, color: 'var(--hl-number)' },
  { tag: [tags.bool, tags.null], color: 'var(--hl-keyword)' },
  { tag: tags.propertyName, color: 'var(--hl-property)' },
  { tag: tags.invalid, color: 'var(--danger)' },
]);

// templateSource completes the expression after an unclosed "{{".
function templateSource(getVariables) {
  return (ctx) => {
    const before = ctx.matchBefore(/\{\{\s*[\w.\-\[\]#*]*$/);
    if (!before) return null;
    const open = before.text.indexOf('{{');
    const from = before.from + open + 2;
    const vars = getVariables() || [];
    const after = ctx.state.sliceDoc(ctx.pos, ctx.pos + 2);
    const close = after === '}}' ? '' : ' }}';
    return {
      from,
      validFor: /^\s*[\w.\-\[\]#*]*$/,
      options: vars.map((v) => ({
        label: v.path,
        detail: v.description || '',
        type: 'variable',
        apply: ' ' + v.path + close,
      })),
    };
  };
}

/**
 * createTemplateEditor mounts an editor in parent.
 * opts: value, label (accessible name), describedBy (id of the element that
 * holds the field's problem), multiline, json (JSON highlighting),
 * placeholder, readOnly, onChange(text), variables() → [{path, description}].
 * It returns {view, setValue(text), hasFocus(), focus(), destroy()}.
 */
export function createTemplateEditor(parent, opts) {
  const readOnly = new Compartment();
  // silent is set while setValue applies a value from outside, which the
  // caller already has: echoing it back could start a render loop.
  let silent = false;
  const attrs = { 'aria-label': opts.label || 'template', role: 'textbox' };
  if (opts.multiline) attrs['aria-multiline'] = 'true';
  if (opts.describedBy) attrs['aria-describedby'] = opts.describedBy;
  if (opts.id) attrs.id = opts.id;
  const extensions = [
    history(),
    drawSelection(),
    EditorView.contentAttributes.of(attrs),
    autocompletion({ override: [templateSource(opts.variables || (() => []))], activateOnTyping: true, icons: false }),
    keymap.of([...completionKeymap, ...historyKeymap, ...defaultKeymap]),
    EditorView.updateListener.of((u) => {
      if (u.docChanged && !silent && opts.onChange) opts.onChange(u.state.doc.toString());
    }),
    readOnly.of(EditorState.readOnly.of(!!opts.readOnly)),
    EditorView.theme({
      '&': { backgroundColor: 'var(--field-bg)', color: 'var(--fg)' },
      '.cm-content': { caretColor: 'var(--fg)', fontFamily: 'var(--mono)' },
      '.cm-tooltip-autocomplete': { backgroundColor: 'var(--panel-bg)', color: 'var(--fg)', border: '1px solid var(--border)' },
      '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--accent-fg)' },
      '.cm-completionDetail': { marginLeft: '0.75em', opacity: '0.8', fontStyle: 'normal' },
    }),
  ];
  if (opts.placeholder) extensions.push(placeholderExt(opts.placeholder));
  if (opts.multiline) {
    extensions.push(EditorView.lineWrapping, bracketMatching(), closeBrackets());
  } else {
    // One line: newlines typed or pasted become spaces.
    extensions.push(EditorState.transactionFilter.of((tr) => {
      if (!tr.docChanged || tr.newDoc.lines === 1) return tr;
      return [tr, { changes: { from: 0, to: tr.newDoc.length, insert: tr.newDoc.toString().replace(/\r?\n/g, ' ') }, sequential: true }];
    }));
  }
  if (opts.json) extensions.push(json(), syntaxHighlighting(highlight));
  const view = new EditorView({
    parent,
    state: EditorState.create({ doc: opts.value || '', extensions }),
  });
  return {
    view,
    setValue(text) {
      const cur = view.state.doc.toString();
      if (cur === text) return;
      silent = true;
      try {
        view.dispatch({ changes: { from: 0, to: cur.length, insert: text } });
      } finally {
        silent = false;
      }
    },
    hasFocus() { return view.hasFocus; },
    setReadOnly(ro) { view.dispatch({ effects: readOnly.reconfigure(EditorState.readOnly.of(!!ro)) }); },
    focus() { view.focus(); },
    destroy() { view.destroy(); },
  };
}
