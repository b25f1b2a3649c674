// Event types: the catalog (GET /api/v1/event-types), filtered by category,
// and one type's title, description, schema, example and messages.
import { html, useState } from '../vendor/preact.js';
import { get, post, put, del, enc } from './api.js';
import { route, navigate, setQuery } from './router.js';
import { useLoad, Loading, ErrorBox, Empty, TextField, SelectField, KeyValueTable, rowsOf, objectOf, Confirm, say } from './components.js';

const listOf = (r) => (Array.isArray(r) ? r : r.event_types || []);

export function EventTypesPage() {
  const category = route.value.query.get('category') || '';
  const list = useLoad(() => get('/event-types').then(listOf), []);
  const shown = (list.data || []).filter((t) => !category || t.category === category);
  return html`
    <div class="page-head"><h1>Event types</h1>
      <div class="actions"><a class="button primary" href="/event-types/new">New event type</a></div></div>
    <div class="filters"><${SelectField} label="Category" value=${category} onChange=${(v) => setQuery({ category: v })}
      options=${[{ value: '', label: 'All' }, { value: 'event', label: 'Events' }, { value: 'alarm', label: 'Alarms' }]} /></div>
    ${list.loading ? html`<${Loading} what="Loading the catalog" />`
      : list.error ? html`<${ErrorBox} error=${list.error} title="The event catalog could not be loaded" />`
      : shown.length === 0 ? html`<${Empty} title="No event types"><p>The catalog lists the events flows can subscribe to, with a schema, an example and messages per language.</p></${Empty}>`
      : html`<table class="list">
        <caption class="sr-only">Event types</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Title</th><th scope="col">Category</th><th scope="col">Languages</th><th scope="col">Subscribers</th></tr></thead>
        <tbody>${shown.map((t) => html`<tr key=${t.name}>
          <th scope="row"><a href=${`/event-types/${enc(t.name)}`}>${t.name}</a></th><td>${t.title || ''}</td>
          <td><span class=${'badge ' + (t.category === 'alarm' ? 'status-failed' : 'version')}>${t.category}</span></td>
          <td>${Object.keys(t.messages || {}).join(', ') || '—'}</td>
          <td>${t.subscribers ?? t.subscriber_count ?? '—'}</td></tr>`)}</tbody></table>`}`;
}

function jsonText(v) {
  return v === undefined ? '' : JSON.stringify(v, null, 2);
}

export function EventTypePage({ name }) {
  const data = useLoad(() => (name ? get(`/event-types/${enc(name)}`) : { name: '', title: '', description: '', category: 'event', schema: { type: 'object' }, example: {}, messages: {} }), [name]);
  if (data.loading) return html`<${Loading} what="Loading the event type" />`;
  if (data.error) return html`<h1>Event type</h1><${ErrorBox} error=${data.error} />`;
  return html`<${EventTypeForm} initial=${data.data} isNew=${!name} />`;
}

function EventTypeForm({ initial, isNew }) {
  const [t, setT] = useState(initial);
  const [schema, setSchema] = useState(jsonText(initial.schema));
  const [example, setExample] = useState(jsonText(initial.example));
  const [messages, setMessages] = useState(rowsOf(initial.messages));
  const [error, setError] = useState(null);
  const [local, setLocal] = useState({});
  const [deleting, setDeleting] = useState(false);
  const pr = (p) => local[p] || error?.errors?.filter((e) => e.pointer === p || e.pointer.startsWith(p + '/')).map((e) => e.message).join('; ') || undefined;
  const save = async (e) => {
    e.preventDefault();
    const bad = {};
    const parse = (text, key) => {
      try {
        return text.trim() ? JSON.parse(text) : undefined;
      } catch (err) {
        bad['/' + key] = 'not valid JSON: ' + err.message;
        return undefined;
      }
    };
    const body = { ...t, schema: parse(schema, 'schema'), example: parse(example, 'example'), messages: objectOf(messages) };
    delete body.subscribers;
    delete body.subscriber_count;
    setLocal(bad);
    if (Object.keys(bad).length) return;
    setError(null);
    try {
      if (isNew) await post('/event-types', body);
      else await put(`/event-types/${enc(initial.name)}`, body);
      say(`Event type “${body.name}” saved.`);
      navigate(`/event-types/${enc(body.name)}`, { replace: true });
    } catch (err) {
      setError(err);
    }
  };
  const f = (k) => (v) => setT({ ...t, [k]: v });
  return html`
    <nav aria-label="Breadcrumb" class="crumbs"><a href="/event-types">Event types</a> › ${isNew ? 'New' : initial.name}</nav>
    <h1>${isNew ? 'New event type' : initial.name}</h1>
    <form class="form" onSubmit=${save}>
      <${TextField} label="Name" value=${t.name} onInput=${f('name')} readonly=${!isNew} error=${pr('/name')} hint="Dot-separated, such as backup.failed." required />
      <${TextField} label="Title" value=${t.title || ''} onInput=${f('title')} error=${pr('/title')} />
      <${TextField} label="Description" value=${t.description || ''} onInput=${f('description')} error=${pr('/description')} />
      <${SelectField} label="Category" value=${t.category || 'event'} onChange=${f('category')} error=${pr('/category')}
        options=${[{ value: 'event', label: 'Event' }, { value: 'alarm', label: 'Alarm' }]} />
      <div class=${'field' + (pr('/schema') ? ' invalid' : '')}><label for="et-schema">Schema (JSON Schema of data)</label>
        <textarea id="et-schema" class="mono" rows="8" value=${schema} onInput=${(e) => setSchema(e.currentTarget.value)}></textarea>
        <small class="problem">${pr('/schema') || ''}</small></div>
      <div class=${'field' + (pr('/example') ? ' invalid' : '')}><label for="et-example">Example data (JSON)</label>
        <textarea id="et-example" class="mono" rows="6" value=${example} onInput=${(e) => setExample(e.currentTarget.value)}></textarea>
        <small class="problem">${pr('/example') || ''}</small></div>
      <${KeyValueTable} label="Messages" keyLabel="Language" valueLabel="Template" rows=${messages} onChange=${setMessages} />
      <${ErrorBox} error=${error} title="The event type was not saved" />
      <div class="actions left">
        <button type="submit" class="primary">Save</button>
        ${!isNew && html`<button type="button" class="danger" onClick=${() => setDeleting(true)}>Delete</button>`}
      </div>
    </form>
    ${deleting && html`<${Confirm} title="Delete event type" danger confirmLabel="Delete" onClose=${() => setDeleting(false)}
      onConfirm=${async () => { await del(`/event-types/${enc(initial.name)}`); say(`Deleted “${initial.name}”.`); navigate('/event-types', { force: true }); }}>
      <p>Delete the event type “<strong>${initial.name}</strong>” from the catalog?</p></${Confirm}>`}`;
}
