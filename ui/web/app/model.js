// Flow documents as the builder sees them: new drafts, new steps, words for
// triggers and schedules, JSON Pointers.

/** newDocument is the draft Add Flow starts from. */
export function newDocument(name, triggerType) {
  const trigger = { type: triggerType };
  if (triggerType === 'event') trigger.events = [];
  if (triggerType === 'schedule') trigger.every = '1h';
  return { name, trigger, steps: [] };
}

/** newStep is an HTTP step with a unique id. */
export function newStep(steps) {
  let n = steps.length + 1;
  const ids = new Set(steps.map((s) => s.id));
  while (ids.has('http_' + n)) n++;
  return {
    id: 'http_' + n,
    name: 'HTTP request',
    type: 'http',
    config: { method: 'POST', url: '', body: { type: 'json', json: {} } },
  };
}

/** uniqueStepId returns base or base_2, base_3… not yet in steps. */
export function uniqueStepId(steps, base) {
  const ids = new Set(steps.map((s) => s.id));
  if (!ids.has(base)) return base;
  for (let i = 2; ; i++) if (!ids.has(`${base}_${i}`.slice(0, 63))) return `${base}_${i}`.slice(0, 63);
}

/** triggerSummary says what starts a flow, in words. */
export function triggerSummary(t) {
  if (!t) return '—';
  switch (t.type) {
    case 'manual': return 'Manual';
    case 'webhook': return `Webhook (${(t.methods || ['POST']).join(', ')})`;
    case 'event': return `Events: ${(t.events || []).join(', ') || 'none chosen'}`;
    case 'schedule': return 'Schedule: ' + scheduleWords(t);
    default: return t.type;
  }
}

/** scheduleWords says when a schedule fires. */
export function scheduleWords(t) {
  if (t.every) return `every ${durationWords(t.every)}`;
  if (!t.cron) return 'not set';
  const named = { '@yearly': 'once a year', '@annually': 'once a year', '@monthly': 'once a month', '@weekly': 'once a week', '@daily': 'every day at midnight', '@midnight': 'every day at midnight', '@hourly': 'every hour' };
  if (named[t.cron]) return named[t.cron] + (t.timezone ? ` (${t.timezone})` : '');
  const f = t.cron.trim().split(/\s+/);
  let s = `cron “${t.cron}”`;
  if (f.length === 5 && /^\d+$/.test(f[0]) && /^\d+$/.test(f[1]) && f[2] === '*' && f[3] === '*') {
    const at = `${f[1].padStart(2, '0')}:${f[0].padStart(2, '0')}`;
    const days = f[4] === '*' ? 'every day' : f[4] === '1-5' ? 'on weekdays' : `on days ${f[4]}`;
    s = `${days} at ${at}`;
  }
  return s + (t.timezone ? ` (${t.timezone})` : ' (UTC)');
}

/** durationWords turns "1h30m" into "1 h 30 min". */
export function durationWords(d) {
  return d.replace(/(\d+(?:\.\d+)?)(ms|h|m|s)/g, (_, n, u) => `${n} ${{ ms: 'ms', h: 'h', m: 'min', s: 's' }[u]} `).trim();
}

/** durationMs parses a Go duration; NaN when it is not one. */
export function durationMs(d) {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  if (!/^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(d || '')) return NaN;
  const mult = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1e3, m: 6e4, h: 36e5 };
  let ms = 0;
  for (const m of d.matchAll(re)) ms += parseFloat(m[1]) * mult[m[2]];
  return ms;
}

/** escapePointer escapes one JSON Pointer segment. */
export const escapePointer = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

/** problemsByPointer indexes [{pointer, message}] by pointer. */
export function problemsByPointer(list) {
  const out = {};
  for (const p of list || []) (out[p.pointer] ||= []).push(p.message);
  return out;
}

/** problemsUnder counts the problems at or below a pointer prefix. */
export function problemsUnder(list, prefix) {
  return (list || []).filter((p) => p.pointer === prefix || p.pointer.startsWith(prefix + '/')).length;
}

/** clone copies a JSON value. */
export const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/** stable renders JSON with sorted keys, to compare documents. */
export function stable(v) {
  if (Array.isArray(v)) return '[' + v.map(stable).join(',') + ']';
  if (v && typeof v === 'object') return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + stable(v[k])).join(',') + '}';
  return JSON.stringify(v);
}
