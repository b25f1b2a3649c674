// The answer of a step test: "Notification successfully sent." or what
// failed, with the request as sent (secrets redacted) and the response.
import { html } from '../vendor/preact.js';
import { Pre } from './components.js';

export function TestResult({ result }) {
  if (!result) return null;
  const res = result.response || null;
  return html`<section class=${'test-result ' + (result.ok ? 'ok' : 'failed')} aria-label="Test result">
    <p role="status" class="test-message"><strong>${result.message}</strong>
      ${result.duration_ms !== undefined && html` <span class="muted">(${result.duration_ms} ms)</span>`}</p>
    ${result.request && html`<details open=${!result.ok}><summary>Request sent</summary><${Pre} value=${result.request} label="Request sent" /></details>`}
    ${res && html`<details open=${!result.ok}><summary>Response${res.status ? ' — ' + res.status : ''}</summary><${Pre} value=${res} label="Response received" /></details>`}
  </section>`;
}
