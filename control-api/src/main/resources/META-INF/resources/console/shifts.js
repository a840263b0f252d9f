// Shift instances as the calendars define them (docs/architecture.md, "Shifts, stops and losses"): a line's calendar
// where it has one in force, else its organisation's; times local to the organisation's zone; a shift whose end is not
// after its start ends the next day; no shift starts on a holiday. Without any calendar a day is one whole-day shift,
// as every minute is then scheduled.
import { isoDay, midnightOf, wallClock } from './format.js';

const DAY = 24 * 3600_000;
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** How far back the latest shift is looked for when none is running now (a long weekend, holidays). */
const LOOK_BACK_DAYS = 7;
export const WHOLE_DAY = 'Whole day';

/** The calendar of periods (oldest first, as the API lists them) in force at an instant; null for none. */
function inForce(periods, instant) {
  let calendar = null;
  for (const period of periods) {
    if (Date.parse(period.effectiveFrom) <= instant) calendar = period.calendar;
  }
  return calendar;
}

/** {@code lineCalendar} and {@code organisationCalendar}: the answers of GET /groups/{id}/calendar and GET /calendar. */
export function calendars(lineCalendar, organisationCalendar) {
  const at = instant => inForce(lineCalendar.periods, instant) ?? inForce(organisationCalendar.periods, instant);
  const all = [...lineCalendar.periods, ...organisationCalendar.periods].map(period => period.calendar).filter(Boolean);
  return { at, all: [...new Set(all)] };
}

/** A time range on a date, ending the next day when its end is not after its start. */
function span(date, start, end) {
  const from = wallClock(date, start);
  return [from, wallClock(date, end, end > start ? 0 : 1)];
}

/** The shifts that start on a date ('2026-12-07'), each {name, date, start, end, breaks: [[from, to]]}, by start. */
export function shiftsOn(date, schedule) {
  const weekday = WEEKDAYS[new Date(midnightOf(date) + DAY / 2).getUTCDay()];
  const found = [];
  for (const calendar of schedule.all) {
    if ((calendar.holidays ?? []).includes(date)) continue;
    for (const shift of calendar.shifts.filter(candidate => candidate.days.includes(weekday))) {
      const [start, end] = span(date, shift.start, shift.end);
      if (schedule.at(start) !== calendar) continue;
      // A break earlier in the day than its shift's start lies on the shift's second day.
      const breaks = (shift.breaks ?? []).map(pause => {
        const [from, to] = span(date, pause.start, pause.end);
        return pause.start < shift.start ? [from + DAY, to + DAY] : [from, to];
      });
      found.push({ name: shift.name, date, start, end, breaks });
    }
  }
  if (schedule.at(midnightOf(date)) === null && found.length === 0) {
    found.push({ name: WHOLE_DAY, date, start: midnightOf(date), end: midnightOf(date, 1), breaks: [] });
  }
  return found.sort((a, b) => a.start - b.start);
}

/** The shift running at {@code now}, else the latest one begun before it. */
export function currentShift(now, schedule) {
  const today = isoDay(now);
  let latest = null;
  for (let back = 0; back <= LOOK_BACK_DAYS && latest === null; back++) {
    const begun = shiftsOn(isoDay(midnightOf(today, -back) + DAY / 2), schedule).filter(shift => shift.start <= now);
    const running = begun.find(shift => shift.end > now);
    if (running) return running;
    latest = begun.at(-1) ?? null;
  }
  return latest;
}
