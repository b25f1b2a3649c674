// History API routing: every screen has its own URL and a reload keeps it.
import { signal } from '../vendor/preact.js';

/** route is the current path and query. */
export const route = signal(read());

function read() {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

let leaveGuard = null;

/**
 * guardLeave installs a function that says why leaving is unsafe (or
 * returns null); navigation then asks first. Pass null to remove it.
 */
export function guardLeave(fn) {
  leaveGuard = fn;
}

function mayLeave() {
  const why = leaveGuard && leaveGuard();
  return !why || window.confirm(why);
}

/** navigate goes to a path inside the app. */
export function navigate(to, opts = {}) {
  if (!opts.force && !mayLeave()) return false;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  route.value = read();
  if (!opts.keepScroll) window.scrollTo(0, 0);
  return true;
}

/** setQuery replaces the query of the current URL without a new entry. */
export function setQuery(params) {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  window.history.replaceState(null, '', window.location.pathname + (s ? '?' + s : ''));
  route.value = read();
}

window.addEventListener('popstate', () => {
  route.value = read();
});

window.addEventListener('beforeunload', (e) => {
  if (leaveGuard && leaveGuard()) {
    e.preventDefault();
    e.returnValue = '';
  }
});

// Same-origin links navigate inside the app.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest && e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== window.location.origin) return;
  if (a.pathname.startsWith('/api/') || a.pathname.startsWith('/hooks/')) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});

/** match returns the params of pattern ("/flows/:id") against path, or null. */
export function match(pattern, path) {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length) return null;
  const params = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}
