// Next fire times of a schedule, for the trigger panel: five-field cron
// expressions (lists, ranges, steps, names) and descriptors, in a time zone.

const DESCRIPTORS = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const NAMES = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12, sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

function field(text, min, max) {
  const set = new Set();
  for (const part of text.toLowerCase().split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText ? parseInt(stepText, 10) : 1;
    let lo = min;
    let hi = max;
    if (range !== '*' && range !== '?') {
      const [a, b] = range.split('-').map((x) => (x in NAMES ? NAMES[x] : parseInt(x, 10)));
      lo = a;
      hi = b === undefined ? (stepText ? max : a) : b;
    }
    if ([lo, hi, step].some((n) => Number.isNaN(n)) || step < 1 || lo < min || hi > max + (max === 6 ? 1 : 0)) throw new Error(`“${text}” is not a valid cron field`);
    for (let i = lo; i <= hi; i += step) set.add(max === 6 && i === 7 ? 0 : i);
  }
  return set;
}

/** parseCron returns the five field sets of a cron expression. */
export function parseCron(expr) {
  const text = DESCRIPTORS[expr.trim()] || expr.trim();
  const f = text.split(/\s+/);
  if (f.length !== 5) throw new Error('a cron expression has five fields: minute hour day-of-month month day-of-week');
  return {
    minute: field(f[0], 0, 59), hour: field(f[1], 0, 23), dom: field(f[2], 1, 31), month: field(f[3], 1, 12), dow: field(f[4], 0, 6),
    domStar: f[2] === '*' || f[2] === '?', dowStar: f[4] === '*' || f[4] === '?',
  };
}

function localParts(fmt, t) {
  const o = {};
  for (const p of fmt.formatToParts(new Date(t))) o[p.type] = p.value;
  const wd = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 }[o.weekday];
  return { month: +o.month, day: +o.day, hour: +o.hour % 24, minute: +o.minute, dow: wd };
}

/** nextCron returns the next n fire times (Dates) after from, in timeZone. */
export function nextCron(expr, timeZone = 'UTC', n = 5, from = Date.now()) {
  const c = parseCron(expr);
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
  const out = [];
  let t = Math.floor(from / 60000) * 60000 + 60000;
  for (let guard = 0; out.length < n && guard < 200000; guard++) {
    const p = localParts(fmt, t);
    const domOk = c.dom.has(p.day);
    const dowOk = c.dow.has(p.dow);
    const dayOk = c.domStar || c.dowStar ? domOk && dowOk : domOk || dowOk;
    if (!c.month.has(p.month) || !dayOk) t += ((23 - p.hour) * 60 + (60 - p.minute)) * 60000;
    else if (!c.hour.has(p.hour)) t += (60 - p.minute) * 60000;
    else if (!c.minute.has(p.minute)) t += 60000;
    else {
      out.push(new Date(t));
      t += 60000;
    }
  }
  return out;
}
