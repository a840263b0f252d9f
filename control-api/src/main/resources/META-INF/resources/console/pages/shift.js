// A line's shift (#/shift/{groupId}?day=2026-12-07&shift=Early; without a day, the shift running now): OEE with A, P
// and Q over the shift, the waterfall from planned to fully productive time, the Pareto of reasons, each machine's
// stops on a timeline (reasons on hover), and the shift's unclassified stops, which an operator classifies in place.
import { api, every } from '../api.js';
import { loadECharts } from '../charts.js';
import { choose } from '../dialog.js';
import { duration, escape, isoDay, percent, time, timeOfDay } from '../format.js';
import { categoryName, paretoOption, paretoTable, reasonName, waterfallOption, waterfallSteps, waterfallTable } from '../losses.js';
import { canOperate } from '../session.js';
import { calendars, currentShift, shiftsOn } from '../shifts.js';
import { status } from '../status.js';

export async function shiftPage(main, organisation, item, query) {
  const groups = await every('/groups');
  if (groups.length === 0) {
    main.innerHTML = '<h1>Shift</h1><p class="empty">No lines yet: a shift page shows a group of machines.</p>';
    return () => {};
  }
  const line = groups.find(group => group.groupId === item) ?? groups[0];
  const path = encodeURIComponent(line.groupId);
  const [lineCalendar, organisationCalendar, devices, catalogue] = await Promise.all([api(`/groups/${path}/calendar`),
    api('/calendar'), every(`/devices?group=${path}`), api('/stop-reasons')]);
  const schedule = calendars(lineCalendar.data, organisationCalendar.data);
  const chosenDay = query.get('day');
  const dayShifts = chosenDay ? shiftsOn(chosenDay, schedule) : [];
  const shift = chosenDay ? dayShifts.find(candidate => candidate.name === query.get('shift')) ?? dayShifts[0]
    : currentShift(Date.now(), schedule);
  const date = shift?.date ?? chosenDay ?? isoDay(Date.now());
  const names = new Map(devices.map(device => [device.deviceId, device.name || device.deviceId]));

  main.innerHTML = `<h1>Shift of ${escape(line.name)}</h1>
    <div class="filters">
      <label>Line <select id="shift-line">${groups.map(group => `<option value="${escape(group.groupId)}"
        ${group === line ? 'selected' : ''}>${escape(group.name)}</option>`).join('')}</select></label>
      <label>Day <input id="shift-day" type="date" value="${escape(date)}"></label>
      <label>Shift <select id="shift-name">${shiftsOn(date, schedule).map(option => `<option ${option.name === shift?.name
        ? 'selected' : ''}>${escape(option.name)}</option>`).join('')}</select></label>
      <button type="button" id="shift-current">Current shift</button>
    </div>
    <p id="shift-range" class="muted"></p>
    <div class="kpis card" id="shift-kpis"></div>
    <div class="shift-charts">
      <section class="card"><h2>From planned to fully productive time</h2>
        <div id="waterfall-chart" class="chart small" role="img" aria-label="Loss waterfall"></div><div id="waterfall"></div></section>
      <section class="card"><h2>Reasons (Pareto)</h2>
        <div id="pareto-chart" class="chart small" role="img" aria-label="Pareto of reasons"></div><div id="losses"></div></section>
    </div>
    <section class="card"><h2>Machines' stops</h2><div id="timeline"></div></section>
    <section class="card"><h2>Unclassified stops</h2><div id="unclassified"></div></section>`;
  const goTo = (day, name) => {
    location.hash = `#/shift/${encodeURIComponent(main.querySelector('#shift-line').value)}`
      + (day ? `?day=${encodeURIComponent(day)}${name ? `&shift=${encodeURIComponent(name)}` : ''}` : '');
  };
  main.querySelector('#shift-line').addEventListener('change', () => goTo(date, shift?.name));
  main.querySelector('#shift-day').addEventListener('change', event => goTo(event.target.value));
  main.querySelector('#shift-name').addEventListener('change', event => goTo(date, event.target.value));
  main.querySelector('#shift-current').addEventListener('click', () => goTo(null));
  if (!shift) {
    main.querySelector('#shift-range').textContent = 'No shift starts on this day.';
    return () => {};
  }
  main.querySelector('#shift-range').textContent = `${shift.name}: ${time(shift.start)} to ${time(shift.end)}`
    + (shift.end > Date.now() ? ' (running: the figures so far)' : '');

  const echarts = await loadECharts();
  const waterfallChart = echarts.init(main.querySelector('#waterfall-chart'));
  const paretoChart = echarts.init(main.querySelector('#pareto-chart'));
  const scope = `groupId=${path}&from=${new Date(shift.start).toISOString()}&to=${new Date(shift.end).toISOString()}`;
  const load = async () => {
    const [oee, losses, stops, unclassified] = await Promise.all([
      api(`/analytics/oee?${scope}&granularity=1m`), api(`/analytics/losses?${scope}`),
      every(`/stops?${scope}`), every(`/stops?${scope}&category=unclassified`)]);
    main.querySelector('#shift-kpis').innerHTML = kpis(oee.data.total);
    const steps = waterfallSteps(losses.data);
    main.querySelector('#waterfall').innerHTML = waterfallTable(steps);
    waterfallChart.setOption(waterfallOption(steps), true);
    main.querySelector('#losses').innerHTML = paretoTable(losses.data);
    paretoChart.setOption(paretoOption(losses.data), true);
    main.querySelector('#timeline').innerHTML = timeline(shift, line.deviceIds, names, stops);
    main.querySelector('#unclassified').innerHTML = unclassifiedTable(unclassified, names);
  };
  main.querySelector('#unclassified').addEventListener('click', async event => {
    const button = event.target.closest('button[data-started]');
    if (!button) return;
    const { device, started } = button.dataset;
    const answer = await choose(`Why did ${names.get(device) ?? device} stop at ${time(started)}?`, 'Reason',
      catalogue.data.reasons.map(reason => ({ value: reason.code, label: `${reason.name} (${categoryName(reason.category)})` })),
      { confirm: 'Classify' });
    if (answer === null) return;
    try {
      await api(`/stops/${encodeURIComponent(device)}/${encodeURIComponent(started)}/classification`, { method: 'PUT',
        body: { reasonCode: answer.value, comment: answer.comment } });
      status(`Stop of ${names.get(device) ?? device} at ${time(started)} classified.`);
      await load();
    } catch (error) {
      status(`Could not classify the stop: ${error.details?.length ? error.details.join('; ') : error.message}`, true);
    }
  });
  const resize = () => {
    waterfallChart.resize();
    paretoChart.resize();
  };
  window.addEventListener('resize', resize);
  await load();
  return () => {
    window.removeEventListener('resize', resize);
    waterfallChart.dispose();
    paretoChart.dispose();
  };
}

function kpis(total) {
  return [['oee', 'OEE'], ['availability', 'Availability'], ['performance', 'Performance'], ['quality', 'Quality']]
    .map(([key, label]) => `<div class="kpi"><div class="value" id="shift-${key}">${percent(total?.[key])}</div>
      <div class="label">${label}</div></div>`).join('');
}

/** Each machine's stops and the shift's breaks as bands along the shift; a stop's reason and times on hover. */
function timeline(shift, deviceIds, names, stops) {
  const length = shift.end - shift.start;
  const now = Date.now();
  const band = (from, to) => {
    const left = Math.max(0, from - shift.start) / length * 100;
    const right = Math.min(length, Math.min(to, shift.end) - shift.start) / length * 100;
    return `left:${left.toFixed(3)}%;width:${Math.max(0.2, right - left).toFixed(3)}%`;
  };
  const breaks = shift.breaks.map(([from, to]) => `<span class="segment break" style="${band(from, to)}"
    title="break ${timeOfDay(from)}–${timeOfDay(to)}"></span>`).join('');
  const rows = deviceIds.map(deviceId => {
    const segments = stops.filter(stop => stop.deviceId === deviceId).map(stop => {
      const end = stop.endedAt ? Date.parse(stop.endedAt) : now;
      const title = `${stop.state.toLowerCase()}: ${reasonName(stop)} (${categoryName(stop.category)}), `
        + `${timeOfDay(stop.startedAt)}–${stop.endedAt ? timeOfDay(stop.endedAt) : 'now'}, ${duration(stop.durationMs)}`;
      return `<span class="segment ${escape(stop.state)}" style="${band(Date.parse(stop.startedAt), end)}"
        data-started="${escape(stop.startedAt)}" title="${escape(title)}"></span>`;
    }).join('');
    return `<div class="timeline-row" data-device="${escape(deviceId)}"><span class="timeline-name">${escape(names.get(deviceId)
      ?? deviceId)}</span><span class="timeline-track">${breaks}${segments}</span></div>`;
  }).join('');
  return `${rows}<div class="timeline-row"><span></span><span class="timeline-axis"><span>${timeOfDay(shift.start)}</span>
    <span class="legend"><span class="state DOWN">down</span> <span class="state IDLE">idle</span>
    <span class="state break">break</span> (the rest: running, a planned stop or unknown)</span>
    <span>${timeOfDay(shift.end)}</span></span></div>`;
}

function unclassifiedTable(stops, names) {
  if (stops.length === 0) return '<p class="muted" id="no-unclassified">Every stop of this shift has a reason.</p>';
  return `<table><thead><tr><th>Machine</th><th>State</th><th>Began</th><th>Lasted</th><th>Device's reason</th><th></th></tr></thead>
    <tbody>${stops.map(stop => `<tr data-device="${escape(stop.deviceId)}" data-started="${escape(stop.startedAt)}">
      <td>${escape(names.get(stop.deviceId) ?? stop.deviceId)}</td><td>${escape(stop.state.toLowerCase())}</td>
      <td>${time(stop.startedAt)}</td><td>${duration(stop.durationMs)}${stop.endedAt ? '' : ' (open)'}</td>
      <td>${escape(stop.deviceReason ?? '–')}</td>
      <td>${canOperate() ? `<button type="button" data-device="${escape(stop.deviceId)}" data-started="${escape(stop.startedAt)}">Classify</button>` : ''}</td>
      </tr>`).join('')}</tbody></table>`;
}
