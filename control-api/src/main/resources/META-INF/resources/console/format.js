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

export function escape(text) {
  return String(text ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
