// Devices: a filtered, paged list, searched by part of a device's id or name; a device's page shows its state, settings and firmware, and a chart of each
// metric over the last 24 hours by minute, 7 days by hour or 90 days by day, with its anomalies marked.
import { api, every } from '../api.js';
import { liveSocket } from '../live.js';
import { lineSeries, loadECharts } from '../charts.js';
import { escape, midnight, time, untilNow } from '../format.js';
import { onPager, pager } from '../pager.js';

const PAGE_SIZE = 25;
const MINUTE = 60_000;
const HOUR = 3600_000;
const DAY = 86_400_000;
// Each chart range as [from, to, resolution] up to now's bucket included. Each resolution reads its own table
// (telemetry_1m, telemetry_1h, telemetry_1d), so 90 days are 90 rows; days start at the organisation's midnight, as
// the API cuts them.
const RANGES = {
  '24h': now => untilNow(now, MINUTE, DAY, '1m'),
  '7d': now => untilNow(now, HOUR, 7 * DAY, '1h'),
  '90d': now => [midnight(now, -89), midnight(now, 1), '1d']
};

export async function devicesPage(main, organisation, deviceId) {
  return deviceId ? devicePage(main, deviceId) : deviceList(main);
}

async function deviceList(main) {
  const groups = await every('/groups');
  main.innerHTML = `<h1>Devices</h1>
    <div class="filters">
      <label>Search <input id="device-search" type="search" size="16" placeholder="id or name"></label>
      <label>Line <select id="device-group"><option value="">all</option>${groups.map(group =>
        `<option value="${escape(group.groupId)}">${escape(group.name)}</option>`).join('')}</select></label>
      <label>Link <select id="device-online"><option value="">any</option><option value="true">online</option>
        <option value="false">offline</option></select></label>
      <label>Status <select id="device-status"><option value="">any</option><option>enabled</option><option>disabled</option></select></label>
    </div>
    <div id="device-list"><p class="busy">Loading devices…</p></div>`;
  let page = 1;
  const load = async () => {
    const query = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
    for (const [id, name] of [['device-group', 'group'], ['device-online', 'online'], ['device-status', 'status']]) {
      const value = main.querySelector(`#${id}`).value;
      if (value) query.set(name, value);
    }
    const search = main.querySelector('#device-search').value.trim();
    if (search) query.set('search', search);
    const answer = await api(`/devices?${query}`);
    main.querySelector('#device-list').innerHTML = answer.data.length === 0
      ? '<p class="empty" id="no-devices">No devices match these filters.</p>'
      : `<table id="devices"><thead><tr><th>Device</th><th>State</th><th>Link</th><th>Last seen</th><th>Firmware</th></tr></thead>
        <tbody>${answer.data.map(device => `<tr data-device="${escape(device.deviceId)}">
          <td><a href="#/devices/${encodeURIComponent(device.deviceId)}">${escape(device.name || device.deviceId)}</a></td>
          <td><span class="state ${escape(device.machineState ?? 'UNKNOWN')}">${escape((device.machineState ?? 'unknown').toLowerCase())}</span></td>
          <td class="${device.online ? 'online' : 'offline'}">${device.online ? 'online' : 'offline'}</td>
          <td>${time(device.lastSeenAt)}</td><td>${escape(device.firmwareCurrent ?? '–')}</td></tr>`).join('')}</tbody></table>
        ${pager('devices', page, answer.pagination.total, PAGE_SIZE, 'device', 'devices')}`;
    onPager(main, 'devices', step => { page += step; load(); });
  };
  main.querySelectorAll('.filters select, .filters input').forEach(input => input.addEventListener('change', () => { page = 1; load(); }));
  await load();
}

async function devicePage(main, deviceId) {
  const device = (await api(`/devices/${encodeURIComponent(deviceId)}`)).data;
  main.innerHTML = `<h1>${escape(device.name || device.deviceId)}</h1>
    <div class="lines">
      <section class="card"><h2>State</h2><table>
        <tr><th>Machine state</th><td><span class="state ${escape(device.machineState ?? 'UNKNOWN')}">${escape((device.machineState ?? 'unknown').toLowerCase())}</span> since ${time(device.machineStateSince)}</td></tr>
        <tr><th>Link</th><td class="${device.online ? 'online' : 'offline'}">${device.online ? 'online' : 'offline'}, last seen ${time(device.lastSeenAt)}</td></tr>
        <tr><th>Firmware</th><td>${escape(device.firmwareCurrent ?? '–')}${device.firmwareTarget ? ` (updating to ${escape(device.firmwareTarget)})` : ''}</td></tr>
      </table></section>
      <section class="card"><h2>Settings</h2><table>
        <tr><th>Ideal cycle</th><td>${device.idealCycleSeconds ?? '–'} s</td></tr>
        <tr><th>Configuration</th><td><code>${escape(JSON.stringify(device.config))}</code> (version ${device.configState.version})</td></tr>
        <tr><th>Metadata</th><td><code>${escape(JSON.stringify(device.metadata))}</code></td></tr>
      </table></section>
    </div>
    <h2>Telemetry</h2>
    <div class="filters"><label>Metric <select id="metric"></select></label>
      <label>Range <select id="telemetry-range"><option value="24h">24 hours by minute</option>
        <option value="7d">7 days by hour</option><option value="90d">90 days by day</option></select></label></div>
    <div id="telemetry-chart" class="chart" role="img" aria-label="Telemetry chart"><p class="busy">Loading…</p></div>`;
  const echarts = await loadECharts();
  let chart = null;
  const draw = async metric => {
    const [from, to, resolution] = RANGES[main.querySelector('#telemetry-range').value](Date.now());
    const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    const [series, anomalies] = await Promise.all([
      api(`/telemetry?deviceId=${encodeURIComponent(deviceId)}&metric=${encodeURIComponent(metric)}&${range}&resolution=${resolution}`),
      api(`/anomalies?deviceId=${encodeURIComponent(deviceId)}&metric=${encodeURIComponent(metric)}&${range}&pageSize=500`)]);
    const unit = series.data.unit ? ` (${series.data.unit})` : '';
    chart ??= echarts.init(main.querySelector('#telemetry-chart'));
    chart.setOption({
      animation: false, tooltip: { trigger: 'axis' }, legend: { data: ['avg', 'min', 'max', 'anomaly'] },
      xAxis: { type: 'time', axisLabel: { formatter: value => time(value) } }, yAxis: { type: 'value', name: metric + unit, scale: true },
      series: [
        ...['avg', 'min', 'max'].map(name => lineSeries(name, series.data.series.map(point => [point.bucketStart, point[name]]))),
        { name: 'anomaly', type: 'scatter', symbolSize: 10, itemStyle: { color: '#c62828' },
          data: anomalies.data.map(anomaly => [anomaly.ts, anomaly.value]) }]
    }, true);
    main.querySelector('#telemetry-chart').dataset.points = String(series.data.series.length);
    main.querySelector('#telemetry-chart').dataset.anomalies = String(anomalies.data.length);
  };
  // The live channel's first answer names the device's metrics (its newest minute of each).
  const select = main.querySelector('#metric');
  select.addEventListener('change', () => draw(select.value));
  main.querySelector('#telemetry-range').addEventListener('change', () => select.value && draw(select.value));
  const socket = liveSocket(message => {
    if (message.type === 'subscribed' && select.options.length === 0) {
      const metrics = (message.data[0]?.latest ?? []).map(latest => latest.metric);
      if (metrics.length === 0) {
        main.querySelector('#telemetry-chart').innerHTML = '<p class="empty">No readings in the last 24 hours.</p>';
        return;
      }
      select.innerHTML = metrics.map(metric => `<option>${escape(metric)}</option>`).join('');
      draw(metrics[0]);
    }
  }, [`device:${deviceId}`]);
  const resize = () => chart?.resize();
  window.addEventListener('resize', resize);
  return () => {
    socket.close();
    window.removeEventListener('resize', resize);
    chart?.dispose();
  };
}
