// The editor: the trigger card and the step cards in order on the left, the
// selected card's settings on the right; validation as you edit, Save
// (Ctrl/Cmd+S), undo/redo, Publish and the enabled switch.
import { html, useEffect, useRef, useState } from '../vendor/preact.js';
import { get, post, put, enc } from './api.js';
import { route, guardLeave } from './router.js';
import { useLoad, Loading, ErrorBox, Toggle, say } from './components.js';
import { TriggerPanel } from './triggerpanel.js';
import { StepPanel } from './steppanel.js';
import { loadEditor } from './template.js';
import { newDocument, newStep, uniqueStepId, triggerSummary, problemsByPointer, problemsUnder, stable, clone } from './model.js';

export function EditorPage({ id }) {
  const q = route.value.query;
  const data = useLoad(async () => {
    const [flow, connectors, flowSchema] = await Promise.all([
      id ? get(`/flows/${enc(id)}`) : null,
      get('/connectors').then((r) => r.connectors),
      get('/schemas/flow'),
    ]);
    // The template editor is needed as soon as a panel shows; start now.
    loadEditor();
    return { flow, connectors, flowSchema };
  }, [id]);
  if (data.loading) return html`<${Loading} what="Loading the flow" />`;
  if (data.error) return html`<h1>Flow</h1><${ErrorBox} error=${data.error} title="The flow could not be loaded" />`;
  const initial = data.data.flow ? data.data.flow.draft : newDocument(q.get('name') || 'New flow', q.get('trigger') || 'webhook');
  return html`<${Editor} flow0=${data.data.flow} initial=${initial} connectors=${data.data.connectors} flowSchema=${data.data.flowSchema} />`;
}

function Editor({ flow0, initial, connectors, flowSchema }) {
  const [flow, setFlow] = useState(flow0);
  const [doc, setDoc] = useState(initial);
  const [saved, setSaved] = useState(flow0 ? stable(flow0.draft) : null);
  const [selected, setSelected] = useState(initial.steps.length ? 0 : 'trigger');
  const [problems, setProblems] = useState([]);
  const [warnings, setWarnings] = useState([]);
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(null);
  const [error, setError] = useState(null);
  const [published, setPublished] = useState(null);
  const docRef = useRef(doc);
  docRef.current = doc;
  const hist = useRef({ past: [], future: [], last: 0 });

  const credentials = useLoad(() => get('/credentials').then((r) => r.credentials || r), []);
  const eventTypes = useLoad(() => get('/event-types').then((r) => (Array.isArray(r) ? r : r.event_types || [])), []);
  const variables = useLoad(() => (flow ? get(`/flows/${enc(flow.id)}/variables`) : null), [flow && flow.id]);

  const dirty = saved === null || stable(doc) !== saved;
  const valid = checked && problems.length === 0;

  // change records an edit for undo. Keystrokes less than 800 ms apart
  // make one entry; a structural edit (add, move, delete) is always its own.
  const change = (next, structural) => {
    const h = hist.current;
    const now = Date.now();
    if (structural || now - h.last > 800) {
      h.past.push(docRef.current);
      if (h.past.length > 200) h.past.shift();
    }
    h.last = structural ? 0 : now;
    h.future = [];
    setDoc(next);
  };
  const undo = () => {
    const h = hist.current;
    if (!h.past.length) return;
    h.future.push(docRef.current);
    h.last = 0;
    setDoc(h.past.pop());
  };
  const redo = () => {
    const h = hist.current;
    if (!h.future.length) return;
    h.past.push(docRef.current);
    h.last = 0;
    setDoc(h.future.pop());
  };

  // Validate as you edit, a moment after the last change.
  useEffect(() => {
    let alive = true;
    setChecked(false);
    const t = setTimeout(async () => {
      try {
        const r = await post('/flows/validate', doc);
        if (!alive) return;
        setProblems([]);
        setWarnings(r.warnings || []);
      } catch (e) {
        if (!alive) return;
        if (e.status === 422 || e.status === 400) {
          setProblems(e.errors.length ? e.errors : [{ pointer: '', message: e.message }]);
          setWarnings(e.problem.warnings || []);
        } else {
          setProblems([{ pointer: '', message: 'validation failed: ' + e.message }]);
        }
      }
      if (alive) setChecked(true);
    }, 300);
    return () => {
      alive = false;
      clearTimeout(t);
    };
  }, [stable(doc)]);

  useEffect(() => {
    guardLeave(() => (dirtyRef.current ? 'This flow has unsaved changes. Leave without saving?' : null));
    return () => guardLeave(null);
  }, []);
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  const save = async () => {
    setBusy('save');
    setError(null);
    try {
      const d = docRef.current;
      let f;
      if (!flow) {
        f = await post('/flows', d);
        // Keep the editor's state; only the address changes.
        window.history.replaceState(null, '', `/flows/${enc(f.id)}`);
      } else {
        f = await put(`/flows/${enc(flow.id)}`, d);
      }
      setFlow(f);
      setSaved(stable(d));
      say('Saved.');
      return f;
    } catch (e) {
      if (e.status === 422) setProblems(e.errors);
      setError(e);
      return null;
    } finally {
      setBusy(null);
    }
  };
  const publish = async () => {
    let f = flow;
    if (dirty || !f) f = await save();
    if (!f) return;
    setBusy('publish');
    setError(null);
    try {
      const r = await post(`/flows/${enc(f.id)}/publish`);
      setFlow(r.flow);
      const text = `Published as version ${r.version.version} — ${r.flow.enabled ? 'enabled' : 'disabled'}`;
      setPublished(text);
      say(text);
    } catch (e) {
      if (e.status === 422) setProblems(e.errors);
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const setEnabled = async (on) => {
    try {
      const f = await post(`/flows/${enc(flow.id)}/${on ? 'enable' : 'disable'}`);
      setFlow({ ...flow, enabled: f.enabled });
      say(on ? 'Enabled: triggers start runs.' : 'Disabled: triggers start nothing.');
    } catch (e) {
      setError(e);
    }
  };

  const keys = useRef();
  keys.current = { save, undo, redo };
  useEffect(() => {
    const onKey = (e) => {
      const mod = e.ctrlKey || e.metaKey;
      if (!mod) return;
      const k = e.key.toLowerCase();
      if (k === 's') {
        e.preventDefault();
        keys.current.save();
        return;
      }
      const inField = e.target.closest && e.target.closest('input, textarea, select, .cm-editor');
      if (inField) return;
      if (k === 'z' && !e.shiftKey) { e.preventDefault(); keys.current.undo(); }
      if ((k === 'z' && e.shiftKey) || k === 'y') { e.preventDefault(); keys.current.redo(); }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const steps = doc.steps;
  const setSteps = (next, sel) => {
    change({ ...doc, steps: next }, sel !== undefined);
    if (sel !== undefined) setSelected(sel);
  };
  const insertAt = (i) => {
    const s = newStep(steps);
    setSteps([...steps.slice(0, i), s, ...steps.slice(i)], i);
  };
  const move = (i, d) => {
    const next = [...steps];
    [next[i], next[i + d]] = [next[i + d], next[i]];
    setSteps(next, i + d);
  };
  const duplicate = (i) => {
    const s = clone(steps[i]);
    s.id = uniqueStepId(steps, s.id.slice(0, 55) + '_copy');
    if (s.name) s.name = s.name + ' (copy)';
    setSteps([...steps.slice(0, i + 1), s, ...steps.slice(i + 1)], i + 1);
  };
  const remove = (i) => setSteps(steps.filter((_, j) => j !== i), steps.length > 1 ? Math.max(0, i - 1) : 'trigger');

  const byPointer = problemsByPointer(problems);
  const ctxBase = {
    problems: byPointer,
    credentials: credentials.data || [],
    reloadCredentials: credentials.reload,
    eventTypes: eventTypes.data,
    eventTypesError: eventTypes.error ? eventTypes.error.message : null,
    flowSchema,
  };
  const stepIndex = typeof selected === 'number' && selected < steps.length ? selected : null;
  const publishWhy = !checked ? 'Checking the draft…' : problems.length ? `Fix ${problems.length} problem${problems.length > 1 ? 's' : ''} to publish.` : null;

  return html`
    <div class="editor-head">
      <div class="title-row">
        <label for="flow-name" class="sr-only">Flow name</label>
        <input id="flow-name" class="flow-name" value=${doc.name} aria-invalid=${byPointer['/name'] ? 'true' : undefined}
          aria-describedby="flow-name-problem" onInput=${(e) => change({ ...doc, name: e.currentTarget.value })} />
        ${flow?.published_version ? html`<span class="badge version">v${flow.published_version}</span>` : html`<span class="badge draft">Draft</span>`}
        ${dirty && html`<span class="badge unsaved" aria-live="polite">● Unsaved changes</span>`}
      </div>
      <small class="problem" id="flow-name-problem">${(byPointer['/name'] || []).join('; ')}</small>
      <div class="toolbar">
        <button type="button" onClick=${undo} disabled=${!hist.current.past.length} aria-keyshortcuts="Control+Z">Undo</button>
        <button type="button" onClick=${redo} disabled=${!hist.current.future.length} aria-keyshortcuts="Control+Shift+Z">Redo</button>
        <button type="button" onClick=${save} disabled=${busy !== null || !dirty} aria-keyshortcuts="Control+S Meta+S">${busy === 'save' ? 'Saving…' : 'Save'}</button>
        <button type="button" class="primary" onClick=${publish} disabled=${busy !== null || !valid} aria-describedby="publish-why">${busy === 'publish' ? 'Publishing…' : 'Publish'}</button>
        <span id="publish-why" class="muted">${publishWhy || ''}</span>
        ${flow && html`<${Toggle} label="Enabled" checked=${flow.enabled} disabled=${!flow.published_version} onChange=${setEnabled} />`}
        ${flow && html`<a href=${`/flows/${enc(flow.id)}/versions`}>Versions</a> <a href=${`/flows/${enc(flow.id)}/runs`}>Runs</a>`}
      </div>
      ${published && html`<p class="notice ok" role="status">${published}</p>`}
      <${ErrorBox} error=${error} title=${error && error.status === 422 ? 'The flow has problems' : undefined} />
      ${problems.length > 0 && html`<details class="problems"><summary>${problems.length} problem${problems.length > 1 ? 's' : ''} in this draft</summary>
        <ul>${problems.map((p) => html`<li><code>${p.pointer || '/'}</code> ${p.message}</li>`)}</ul></details>`}
      ${warnings.length > 0 && html`<details class="warnings" open><summary>${warnings.length} warning${warnings.length > 1 ? 's' : ''} (publishing is still possible)</summary>
        <ul>${warnings.map((p) => html`<li><code>${p.pointer || '/'}</code> ${p.message}</li>`)}</ul></details>`}
    </div>
    <div class="editor">
      <ol class="cards" aria-label="Trigger and steps">
        <li>
          <button type="button" class=${'card trigger' + (selected === 'trigger' ? ' selected' : '')} aria-pressed=${selected === 'trigger' ? 'true' : 'false'}
            onClick=${() => setSelected('trigger')}>
            <span class="card-kind">Trigger</span>
            <span class="card-title">${triggerSummary(doc.trigger)}</span>
            ${problemsUnder(problems, '/trigger') > 0 && html`<span class="badge problem-count">${problemsUnder(problems, '/trigger')} problem${problemsUnder(problems, '/trigger') > 1 ? 's' : ''}</span>`}
          </button>
          <${AddButton} label="Add step after the trigger" onClick=${() => insertAt(0)} />
        </li>
        ${steps.map((s, i) => {
          const n = problemsUnder(problems, `/steps/${i}`);
          const title = s.name || s.id;
          return html`<li key=${i}>
            <div class=${'card step' + (selected === i ? ' selected' : '')}>
              <button type="button" class="card-main" aria-pressed=${selected === i ? 'true' : 'false'} onClick=${() => setSelected(i)}>
                <span class="card-kind">Step ${i + 1} · ${s.type}</span>
                <span class="card-title">${title}</span>
                <span class="card-sub">${s.config?.method || ''} ${s.config?.url || ''}</span>
                ${n > 0 && html`<span class="badge problem-count">${n} problem${n > 1 ? 's' : ''}</span>`}
              </button>
              <div class="card-actions">
                <button type="button" class="icon" disabled=${i === 0} aria-label=${`Move ${title} up`} onClick=${() => move(i, -1)}>↑</button>
                <button type="button" class="icon" disabled=${i === steps.length - 1} aria-label=${`Move ${title} down`} onClick=${() => move(i, 1)}>↓</button>
                <button type="button" class="icon" aria-label=${`Duplicate ${title}`} onClick=${() => duplicate(i)}>❐</button>
                <button type="button" class="icon danger" aria-label=${`Delete ${title}`} onClick=${() => remove(i)}>✕</button>
              </div>
            </div>
            <${AddButton} label=${`Add step after ${title}`} onClick=${() => insertAt(i + 1)} />
          </li>`;
        })}
        ${steps.length === 0 && html`<li class="empty-inline">
          <p>No steps yet: add one to send the trigger’s data somewhere.</p>
          ${(byPointer['/steps'] || []).map((m) => html`<p class="problem">${m}</p>`)}
        </li>`}
      </ol>
      <section class="panel" aria-label="Settings">
        ${selected === 'trigger'
          ? html`<h2>Trigger</h2><${TriggerPanel} flow=${flow} trigger=${doc.trigger} dirty=${dirty} ctx=${ctxBase}
              onChange=${(t) => change({ ...doc, trigger: t })} />`
          : stepIndex !== null
            ? html`<${StepPanel} key=${stepIndex} index=${stepIndex} step=${steps[stepIndex]} doc=${doc} flow=${flow} connectors=${connectors}
                ctx=${ctxBase} serverVariables=${variables.data} onChange=${(s) => setSteps(steps.map((x, j) => (j === stepIndex ? s : x)))} />`
            : html`<p class="muted">Select a card to edit it.</p>`}
      </section>
    </div>`;
}

function AddButton({ label, onClick }) {
  return html`<div class="add-between"><button type="button" class="add" aria-label=${label} title=${label} onClick=${onClick}>+</button></div>`;
}
