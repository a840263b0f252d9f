// Numbers and times as people read them: OEE as a percent with one decimal, times in the organisation's zone.
let zone = 'UTC';

export function useTimeZone(timeZone) {
  zone = timeZone || 'UTC';
}

export function percent(ratio) {
  return ratio === null || ratio === undefined ? '–' : `${(ratio * 100).toFixed(1)} %`;
}

export function time(instant) {
  if (!instant) return '–';
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone, day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit'
  }).format(new Date(instant));
}

/**
 * Midnight in the organisation's zone of a date input's day ('2026-12-07'), or of the day {@code days} after it;
 * null for an empty input. Noon UTC of that date is on that date in every zone within 12 hours of UTC.
 */
export function midnightOf(date, days = 0) {
  if (!date) return null;
  const [year, month, day] = date.split('-').map(Number);
  return midnight(Date.UTC(year, month - 1, day, 12), days);
}

/** A span as people say it: "40 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function duration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** The organisation's wall clock minus UTC at an instant, in milliseconds. */
function offset(instant) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    second: 'numeric'
  }).formatToParts(new Date(instant)).map(part => [part.type, part.value]));
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * Midnight in the organisation's zone starting the day {@code days} after the one holding {@code instant}: where its
 * days (and the API's daily buckets) begin, whatever the browser's own zone.
 */
export function midnight(instant, days = 0) {
  const local = new Date(instant + offset(instant));
  const wall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + days);
  // The offset at that midnight, which a daylight-saving change between the two days may make different.
  return wall - offset(wall - offset(wall));
}

/**
 * The instant of a wall-clock time ('06:30') on a date ('2026-12-07') in the organisation's zone, or on the day
 * {@code days} after it: where a shift of its calendar starts or ends.
 */
export function wallClock(date, hhmm, days = 0) {
  const [hours, minutes] = hhmm.split(':').map(Number);
  const [year, month, day] = date.split('-').map(Number);
  const wall = Date.UTC(year, month - 1, day + days, hours, minutes);
  return wall - offset(wall - offset(wall));
}

/** Milliseconds as minutes with one decimal, as loss figures are read: "312.5 min". */
export function minutes(ms) {
  return ms === null || ms === undefined ? '–' : `${(ms / 60_000).toFixed(1)} min`;
}

/** [from, to, granularity] of the span that ends with the bucket holding {@code now}, for a chart up to now. */
export function untilNow(now, bucket, span, granularity) {
  const to = Math.floor(now / bucket) * bucket + bucket;
  return [to - span, to, granularity];
}

/** The time of day of an instant in the organisation's zone, to the second. */
export function timeOfDay(instant) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit' })
    .format(new Date(instant));
}

/** The day of an instant in the organisation's zone, for axes of daily buckets. */
export function day(instant) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: '2-digit', month: 'short' }).format(new Date(instant));
}

/** The date of an instant in the organisation's zone, as a date input holds it ('2026-12-07'). */
export function isoDay(instant) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(instant));
}

/** A count with its noun: "1 delivery", "3 deliveries". */
export function count(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

export function escape(text) {
  return String(text ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
