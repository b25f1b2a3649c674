// Credentials: the list with type, dates and the flows using them; create
// and replace (secrets are write-only: "set", never echoed), delete, and
// OAuth2 with its fixed callback URL and Connect.
import { html, useState } from '../vendor/preact.js';
import { get, post, put, del, enc } from './api.js';
import { useLoad, Loading, ErrorBox, Empty, Dialog, Confirm, TextField, when, say } from './components.js';

export function CredentialsPage() {
  const list = useLoad(() => get('/credentials').then((r) => r.credentials || r), []);
  const [editing, setEditing] = useState(null);
  const [deleting, setDeleting] = useState(null);
  const [connecting, setConnecting] = useState(null);
  // Connect fetches the provider's URL with the API token (a navigation
  // cannot send it), then goes there; the provider comes back to
  // /oauth2/callback, which links back here.
  const connect = async (c) => {
    setConnecting({ name: c.name });
    try {
      const r = await get(`/credentials/${enc(c.id)}/oauth2/authorize?format=json`);
      window.location.assign(r.authorize_url);
    } catch (err) {
      setConnecting({ name: c.name, error: err });
    }
  };
  return html`
    <div class="page-head"><h1>Credentials</h1>
      <div class="actions"><button type="button" class="primary" onClick=${() => setEditing({})}>New credential</button></div></div>
    <p class="muted">Secrets are sealed at rest and write-only: after saving they show as “set” and are never sent back.</p>
    ${connecting && !connecting.error && html`<${Loading} what=${`Connecting “${connecting.name}”`} />`}
    <${ErrorBox} error=${connecting?.error} title=${`“${connecting?.name}” could not be connected`} />
    ${list.loading ? html`<${Loading} what="Loading credentials" />`
      : list.error ? html`<${ErrorBox} error=${list.error} title="The credentials could not be loaded" />`
      : list.data.length === 0 ? html`<${Empty} title="No credentials"><p>Create one for the passwords, tokens and keys your steps authenticate with.</p></${Empty}>`
      : html`<table class="list">
        <caption class="sr-only">Credentials</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Secret</th><th scope="col">Created</th><th scope="col">Updated</th><th scope="col">Used by</th><th scope="col">Actions</th></tr></thead>
        <tbody>${list.data.map((c) => html`<tr key=${c.id}>
          <th scope="row">${c.name}</th>
          <td>${c.oauth2 ? html`OAuth2 <span class=${'badge ' + (c.oauth2.connected ? 'status-succeeded' : 'draft')}>${c.oauth2.connected ? 'connected' : 'not connected'}</span>` : 'Secret'}</td>
          <td>${c.secret_set === false ? html`<span class="badge draft">not set</span>` : html`<span class="badge version">set</span>`}</td>
          <td>${when(c.created_at)}</td><td>${c.updated_at ? when(c.updated_at) : '—'}</td>
          <td>${c.used_by ? (c.used_by.length ? c.used_by.map((f, i) => html`${i ? ', ' : ''}<a href=${`/flows/${enc(f.id)}`}>${f.name}</a>`) : html`<span class="muted">no flow</span>`) : html`<span class="muted">—</span>`}</td>
          <td class="row-actions">
            <button type="button" class="small" aria-label=${`Replace secret of ${c.name}`} onClick=${() => setEditing(c)}>Replace</button>
            ${c.oauth2 && html`<button type="button" class="small" aria-label=${`${c.oauth2.connected ? 'Reconnect' : 'Connect'} ${c.name}`}
              disabled=${!c.oauth2.auth_url || !!(connecting && !connecting.error)} title=${c.oauth2.auth_url ? undefined : 'No authorization URL: replace the credential to add one.'}
              onClick=${() => connect(c)}>${c.oauth2.connected ? 'Reconnect' : 'Connect'}</button>`}
            <button type="button" class="small danger" aria-label=${`Delete ${c.name}`} onClick=${() => setDeleting(c)}>Delete</button>
          </td></tr>`)}</tbody></table>`}
    ${editing && html`<${CredentialDialog} credential=${editing.id ? editing : null} onClose=${() => setEditing(null)} onSaved=${() => { setEditing(null); list.reload(); }} />`}
    ${deleting && html`<${Confirm} title="Delete credential" danger confirmLabel="Delete" onClose=${() => setDeleting(null)}
      onConfirm=${async () => { await del(`/credentials/${enc(deleting.id)}`); say(`Deleted “${deleting.name}”.`); list.reload(); }}>
      <p>Delete the credential “<strong>${deleting.name}</strong>”? Steps that name it will fail to authenticate.</p>
    </${Confirm}>`}`;
}

function CredentialDialog({ credential, onClose, onSaved }) {
  const o = credential?.oauth2;
  const [name, setName] = useState(credential?.name || '');
  const [secret, setSecret] = useState('');
  const [oauth, setOauth] = useState(!!o);
  const [settings, setSettings] = useState({ auth_url: o?.auth_url || '', token_url: o?.token_url || '', client_id: o?.client_id || '', scopes: (o?.scopes || []).join(' ') });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const pr = (p) => error?.errors?.filter((e) => e.pointer === p || e.pointer.startsWith(p + '/')).map((e) => e.message).join('; ') || undefined;
  const callback = o?.callback_url || o?.redirect_url || `${window.location.origin}/oauth2/callback`;
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = { secret };
    if (oauth) {
      body.oauth2 = { token_url: settings.token_url, client_id: settings.client_id, scopes: settings.scopes.split(/[\s,]+/).filter(Boolean) };
      if (settings.auth_url) body.oauth2.auth_url = settings.auth_url;
    }
    try {
      if (credential) await put(`/credentials/${enc(credential.id)}`, body);
      else await post('/credentials', { name, ...body });
      setSecret('');
      say(credential ? `Secret of “${credential.name}” replaced.` : `Credential “${name}” saved.`);
      onSaved();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const s = (k) => (v) => setSettings({ ...settings, [k]: v });
  return html`<${Dialog} title=${credential ? `Replace “${credential.name}”` : 'New credential'} onClose=${onClose}>
    <form onSubmit=${submit}>
      ${credential ? html`<p>The name and id stay; the new secret replaces the old one, which is never shown.</p>`
        : html`<${TextField} label="Name" value=${name} onInput=${setName} error=${pr('/name')} required />`}
      <${TextField} label=${oauth ? 'Client secret' : 'Secret'} type="password" autocomplete="new-password" value=${secret} onInput=${setSecret}
        error=${pr('/secret')} hint="Write-only: it is sealed and never shown again." required />
      <label class="check"><input type="checkbox" checked=${oauth} onChange=${(e) => setOauth(e.currentTarget.checked)} /> OAuth2 client (authorization code)</label>
      ${oauth && html`<fieldset><legend>OAuth2</legend>
        <${TextField} label="Authorization URL" value=${settings.auth_url} onInput=${s('auth_url')} error=${pr('/oauth2/auth_url')} />
        <${TextField} label="Token URL" value=${settings.token_url} onInput=${s('token_url')} error=${pr('/oauth2/token_url')} />
        <${TextField} label="Client ID" value=${settings.client_id} onInput=${s('client_id')} error=${pr('/oauth2/client_id')} />
        <${TextField} label="Scopes" value=${settings.scopes} onInput=${s('scopes')} hint="Separated by spaces." />
        <${TextField} label="Callback URL (register it with the provider)" value=${callback} readonly />
      </fieldset>`}
      <${ErrorBox} error=${error} />
      <div class="actions"><button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${busy}>${credential ? 'Replace secret' : 'Save credential'}</button></div>
    </form>
  </${Dialog}>`;
}
