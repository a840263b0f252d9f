// The plant at a glance: per line and machine the OEE of the last 8 hours (A, P and Q: the line's shown, a machine's
// in its cell's tooltip), each machine's state, online or offline, last seen, and open alerts. Lines come a page at
// a time (as many as one socket follows); the page's lines are followed live: machine states, readings (last seen),
// alerts (a DEVICE_OFFLINE alert takes its machine offline, its clearing brings it back), OEE every minute.
import { api, every } from '../api.js';
import { liveSocket } from '../live.js';
import { escape, percent, time } from '../format.js';

const HOUR = 3600_000;
/** The lines of one page: as many as one live socket may follow (the API's limit of channels per socket). */
const LINES_PER_PAGE = 20;
const OFFLINE_RULE = 'DEVICE_OFFLINE';
/** Live messages arrive in bursts: the page is drawn at most this often. */
const DRAW_EVERY_MS = 250;

export async function overviewPage(main) {
  let leave = () => {};
  const show = async page => {
    leave();
    leave = await linesPage(main, page, show);
  };
  await show(1);
  return () => leave();
}

async function linesPage(main, page, show) {
  main.innerHTML = '<h1>Plant overview</h1><p class="busy" id="overview-loading">Loading the plant…</p>';
  const groups = await api(`/groups?page=${page}&pageSize=${LINES_PER_PAGE}`);
  const lines = groups.data;
  if (lines.length === 0) {
    main.innerHTML = '<h1>Plant overview</h1><p class="empty">No lines yet. Create a group of machines'
      + ' (<code>POST /api/v1/groups</code>) and it shows here.</p>';
    return () => {};
  }
  const pages = Math.ceil(groups.pagination.total / LINES_PER_PAGE);
  const machines = new Map();
  const openAlerts = new Map();
  // What may have changed unseen: loaded first, and again whenever the socket (re)connects.
  const loadMachinesAndAlerts = async () => {
    const [devices, alerts] = await Promise.all([
      Promise.all(lines.map(line => every(`/devices?group=${encodeURIComponent(line.groupId)}`))),
      every('/alerts?status=ACTIVE,ACKNOWLEDGED')]);
    devices.flat().forEach(device => machines.set(device.deviceId, device));
    openAlerts.clear();
    alerts.forEach(alert => openAlerts.set(alert.id, alert));
  };
  const oee = new Map();
  const machineOee = new Map();
  const loadOee = async () => {
    const to = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
    const range = `from=${new Date(to - 8 * HOUR).toISOString()}&to=${new Date(to).toISOString()}&granularity=1h&per=device`;
    await Promise.all(lines.map(async line => {
      const answer = (await api(`/analytics/oee?groupId=${encodeURIComponent(line.groupId)}&${range}`)).data;
      oee.set(line.groupId, answer.total);
      answer.machines.forEach(machine => machineOee.set(machine.deviceId, machine.total));
    }));
  };
  await Promise.all([loadMachinesAndAlerts(), loadOee()]);

  const render = () => {
    main.innerHTML = `<h1>Plant overview</h1><div class="lines">${lines.map(line => lineCard(line, machines, openAlerts,
      oee.get(line.groupId), machineOee)).join('')}</div>
      ${pages <= 1 ? '' : `<p class="pager"><button type="button" id="lines-previous" ${page <= 1 ? 'disabled' : ''}>Previous</button>
        <span id="lines-page">lines page ${page} of ${pages} (${groups.pagination.total} lines)</span>
        <button type="button" id="lines-next" ${page >= pages ? 'disabled' : ''}>Next</button></p>`}`;
    main.querySelector('#lines-previous')?.addEventListener('click', () => show(page - 1));
    main.querySelector('#lines-next')?.addEventListener('click', () => show(page + 1));
  };
  let drawing = null;
  const redraw = () => {
    drawing ??= setTimeout(() => {
      drawing = null;
      render();
    }, DRAW_EVERY_MS);
  };
  render();
  let connected = false;
  const socket = liveSocket(message => {
    const data = message.data;
    if (message.type === 'authenticated') {
      // A reconnection: what happened while the socket was down is read again.
      if (connected) loadMachinesAndAlerts().then(redraw).catch(() => {});
      connected = true;
    } else if ((message.type === 'machine' || message.type === 'reading') && machines.has(data?.device)) {
      const machine = machines.get(data.device);
      if (data.state) machine.machineState = data.state;
      machine.online = true;
      if (!machine.lastSeenAt || Date.parse(data.ts) > Date.parse(machine.lastSeenAt)) machine.lastSeenAt = data.ts;
      redraw();
    } else if (message.type === 'alert') {
      const open = data.status === 'ACTIVE' || data.status === 'ACKNOWLEDGED';
      if (open) {
        openAlerts.set(data.alertId, { id: data.alertId, deviceId: data.device.deviceId, severity: data.severity });
      } else {
        openAlerts.delete(data.alertId);
      }
      const machine = machines.get(data.device.deviceId);
      if (machine && data.ruleId === OFFLINE_RULE) machine.online = !open;
      redraw();
    }
  }, lines.map(line => `group:${line.groupId}`));
  const everyMinute = setInterval(() => loadOee().then(redraw).catch(() => {}), 60_000);
  return () => {
    clearInterval(everyMinute);
    clearTimeout(drawing);
    socket.close();
  };
}

function lineCard(line, machines, openAlerts, total, machineOee) {
  const alertsOf = deviceId => [...openAlerts.values()].filter(alert => alert.deviceId === deviceId);
  const rows = line.deviceIds.map(deviceId => {
    const machine = machines.get(deviceId) ?? { deviceId };
    const state = machine.machineState ?? 'UNKNOWN';
    const alerts = alertsOf(deviceId);
    return `<tr data-device="${escape(deviceId)}">
      <td>${escape(machine.name || deviceId)}</td>
      <td><span class="state ${escape(state)}">${escape(state.replace('_', ' ').toLowerCase())}</span></td>
      <td class="link ${machine.online ? 'online' : 'offline'}">${machine.online ? 'online' : 'offline'}</td>
      <td class="last-seen">${time(machine.lastSeenAt)}</td>
      <td class="machine-oee" title="${apq(machineOee.get(deviceId))}">${percent(machineOee.get(deviceId)?.oee)}</td>
      <td class="alerts">${alerts.length === 0 ? '–' : alerts.map(alert =>
        `<span class="severity-${escape(alert.severity)}">${escape(alert.severity)}</span>`).join(' ')}</td></tr>`;
  }).join('');
  return `<section class="card line" data-line="${escape(line.groupId)}">
    <h2><span>${escape(line.name)}</span><span class="muted">last 8 h</span></h2>
    <div class="kpis">
      <div class="kpi"><div class="value oee">${percent(total?.oee)}</div><div class="label">OEE</div></div>
      <div class="kpi"><div class="value">${percent(total?.availability)}</div><div class="label">Availability</div></div>
      <div class="kpi"><div class="value">${percent(total?.performance)}</div><div class="label">Performance</div></div>
      <div class="kpi"><div class="value">${percent(total?.quality)}</div><div class="label">Quality</div></div>
    </div>
    <table><thead><tr><th>Machine</th><th>State</th><th>Link</th><th>Last seen</th><th>OEE 8 h</th><th>Open alerts</th></tr></thead>
    <tbody>${rows}</tbody></table></section>`;
}

function apq(total) {
  return total ? `availability ${percent(total.availability)}, performance ${percent(total.performance)}, quality ${percent(total.quality)}` : '';
}
