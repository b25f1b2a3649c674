// Picks a stored credential by name, or creates one on the spot. Secrets
// are write-only: typed once, sent, never shown again.
import { html, useId, useState } from '../vendor/preact.js';
import { post } from './api.js';
import { Field, Dialog, TextField, ErrorBox, say } from './components.js';

export function CredentialPicker({ value, onChange, error, ctx }) {
  const id = useId();
  const [creating, setCreating] = useState(false);
  const list = ctx.credentials || [];
  const known = !value || list.some((c) => c.name === value || c.id === value);
  return html`<${Field} label="Credential" id=${id} error=${error}>
    <div class="inline">
      <select id=${id} value=${value ?? ''} aria-invalid=${error ? 'true' : undefined} aria-describedby=${id + '-problem'}
        onChange=${(e) => onChange(e.currentTarget.value || undefined)}>
        <option value="">(choose a credential)</option>
        ${!known && html`<option value=${value}>${value} (not found)</option>`}
        ${list.map((c) => html`<option value=${c.name}>${c.name}</option>`)}
      </select>
      <button type="button" class="small" onClick=${() => setCreating(true)}>New credential</button>
    </div>
    ${creating && html`<${NewCredentialDialog} onClose=${() => setCreating(false)}
      onCreated=${(c) => { setCreating(false); ctx.reloadCredentials && ctx.reloadCredentials(); onChange(c.name); }} />`}
  </${Field}>`;
}

/** NewCredentialDialog creates a credential from a name and a secret. */
export function NewCredentialDialog({ onClose, onCreated }) {
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const byPointer = (p) => error?.errors?.filter((e) => e.pointer === p).map((e) => e.message).join('; ') || undefined;
  return html`<${Dialog} title="New credential" onClose=${onClose}>
    <form onSubmit=${async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        const c = await post('/credentials', { name, secret });
        setSecret('');
        say(`Credential “${c.name}” saved; its secret is stored sealed and will not be shown again.`);
        onCreated(c);
      } catch (err) {
        setError(err);
        setBusy(false);
      }
    }}>
      <${TextField} label="Name" value=${name} onInput=${setName} error=${byPointer('/name')} required />
      <${TextField} label="Secret" type="password" autocomplete="new-password" value=${secret} onInput=${setSecret} error=${byPointer('/secret')}
        hint="The password, token or key. It is write-only." required />
      <${ErrorBox} error=${error} />
      <div class="actions">
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${busy}>Save credential</button>
      </div>
    </form>
  </${Dialog}>`;
}
