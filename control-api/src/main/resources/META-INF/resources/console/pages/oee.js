// OEE over time for a line or a machine: availability, performance, quality and OEE as separate series, by minute,
// hour or day over a chosen range (Apache ECharts, served as a WebJar), and where the range's planned time went: the
// stop loss per category and the Pareto of reasons.
import { api, every } from '../api.js';
import { lineSeries, loadECharts } from '../charts.js';
import { categoryTable, paretoOption, paretoTable } from '../losses.js';
import { day, escape, midnight, midnightOf, percent, time, untilNow } from '../format.js';

const HOUR = 3600_000;
// Each range as [from, to, granularity] up to now's bucket included: minutes and hours are cut in UTC, days at the
// organisation's midnight (as the API's buckets are).
const RANGES = {
  '8h': now => untilNow(now, 60_000, 8 * HOUR, '1m'),
  '24h': now => untilNow(now, HOUR, 24 * HOUR, '1h'),
  '7d': now => untilNow(now, HOUR, 7 * 24 * HOUR, '1h'),
  '30d': now => [midnight(now, -29), midnight(now, 1), '1d']
};

/**
 * The chosen days, from the first one's midnight to the end of the last, at the chosen granularity; by hour widened
 * to whole UTC hours, as the API cuts hours in UTC (a zone half an hour off UTC has midnight at half past).
 */
function customRange(main) {
  const granularity = main.querySelector('#oee-granularity').value;
  const from = midnightOf(main.querySelector('#oee-from').value);
  const to = midnightOf(main.querySelector('#oee-to').value, 1);
  if (granularity !== '1h' || from === null || to === null) return [from, to, granularity];
  return [Math.floor(from / HOUR) * HOUR, Math.ceil(to / HOUR) * HOUR, granularity];
}

export async function oeePage(main) {
  const [groups, devices] = await Promise.all([every('/groups'), every('/devices')]);
  main.innerHTML = `<h1>OEE trends</h1>
    <div class="filters">
      <label>Line or machine <select id="oee-scope">
        ${groups.map(g => `<option value="groupId=${escape(g.groupId)}">${escape(g.name)}</option>`).join('')}
        ${devices.map(d => `<option value="deviceId=${escape(d.deviceId)}">${escape(d.name || d.deviceId)}</option>`).join('')}
      </select></label>
      <label>Range <select id="oee-range"><option value="8h">8 hours by minute</option><option value="24h">24 hours by hour</option>
        <option value="7d">7 days by hour</option><option value="30d" selected>30 days by day</option>
        <option value="custom">chosen days…</option></select></label>
      <span id="oee-custom" class="filters" hidden>
        <label>From <input id="oee-from" type="date"></label><label>to <input id="oee-to" type="date"></label>
        <label>By <select id="oee-granularity"><option value="1d">day</option><option value="1h">hour</option>
          <option value="1m">minute</option></select></label></span>
    </div>
    <p id="oee-total" class="busy"></p>
    <div id="oee-chart" class="chart" role="img" aria-label="OEE chart"></div>
    <section class="card"><h2>Losses over the range</h2>
      <div id="pareto-chart" class="chart small" role="img" aria-label="Pareto of reasons"></div><div id="losses"></div></section>`;
  const echarts = await loadECharts();
  const chart = echarts.init(main.querySelector('#oee-chart'));
  const paretoChart = echarts.init(main.querySelector('#pareto-chart'));
  // The losses answer ranges of up to a month: a longer one says so in its place, and the OEE chart still draws.
  const drawLosses = async (range) => {
    try {
      const losses = (await api(`/analytics/losses?${range}`)).data;
      main.querySelector('#losses').innerHTML = `<div class="loss-tables">${categoryTable(losses)}${paretoTable(losses)}</div>`;
      paretoChart.setOption(paretoOption(losses), true);
    } catch (error) {
      paretoChart.clear();
      main.querySelector('#losses').textContent = `No losses: ${error.details?.length ? error.details.join('; ') : error.message}`;
    }
  };
  const draw = async () => {
    const chosen = main.querySelector('#oee-range').value;
    main.querySelector('#oee-custom').hidden = chosen !== 'custom';
    const [from, to, granularity] = chosen === 'custom' ? customRange(main) : RANGES[chosen](Date.now());
    if (from === null || to === null) {
      main.querySelector('#oee-total').textContent = 'Choose the first and the last day.';
      return;
    }
    main.querySelector('#oee-total').textContent = 'Loading…';
    const range = `${main.querySelector('#oee-scope').value}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    const [answer] = await Promise.all([api(`/analytics/oee?${range}&granularity=${granularity}`).then(oee => oee.data),
      drawLosses(range)]);
    const total = answer.total;
    main.querySelector('#oee-total').textContent = answer.series.length === 0
      ? 'No OEE data in this range yet: the OEE job writes a minute once it has passed.'
      : `Whole range: OEE ${percent(total?.oee)}, availability ${percent(total?.availability)}, performance `
        + `${percent(total?.performance)}, quality ${percent(total?.quality)}`;
    const series = name => lineSeries(name,
      answer.series.map(point => [point.bucketStart, point[name] === null ? null : +(point[name] * 100).toFixed(1)]));
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis', valueFormatter: value => value === null ? '–' : `${value.toFixed(1)} %` },
      legend: { data: ['oee', 'availability', 'performance', 'quality'] },
      xAxis: { type: 'time', min: from, max: to, axisLabel: { formatter: value => (granularity === '1d' ? day : time)(value) } },
      yAxis: { type: 'value', name: '%', min: 0 },
      series: ['oee', 'availability', 'performance', 'quality'].map(series)
    }, true);
    main.querySelector('#oee-chart').dataset.points = String(answer.series.length);
  };
  main.querySelectorAll('select, input').forEach(input => input.addEventListener('change', () => draw().catch(showError)));
  const showError = error => {
    main.querySelector('#oee-total').textContent = `Could not load OEE: ${error.details?.length ? error.details.join('; ') : error.message}`;
  };
  const resize = () => {
    chart.resize();
    paretoChart.resize();
  };
  window.addEventListener('resize', resize);
  await draw();
  return () => {
    window.removeEventListener('resize', resize);
    chart.dispose();
    paretoChart.dispose();
  };
}
