// The plant at a glance: per line and machine the OEE of the last 8 hours (A, P and Q: the line's shown, a machine's
// in its cell's tooltip), each machine's state, online or offline, and open alerts; machine states and alerts update live over the socket, OEE every minute.
import { api } from '../api.js';
import { liveSocket } from '../live.js';
import { escape, percent, time } from '../format.js';

const HOUR = 3600_000;

export async function overviewPage(main) {
  main.innerHTML = '<h1>Plant overview</h1><p class="busy" id="overview-loading">Loading the plant…</p>';
  const [groups, devices, alerts] = await Promise.all([
    api('/groups?pageSize=100'), api('/devices?pageSize=500'), api('/alerts?status=ACTIVE,ACKNOWLEDGED&pageSize=500')]);
  const machines = new Map(devices.data.map(device => [device.deviceId, device]));
  const openAlerts = new Map();
  alerts.data.forEach(alert => openAlerts.set(alert.id, alert));
  const lines = groups.data;
  if (lines.length === 0) {
    main.innerHTML = '<h1>Plant overview</h1><p class="empty">No lines yet. Create a group of machines'
      + ' (<code>POST /api/v1/groups</code>) and it shows here.</p>';
    return () => {};
  }
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
  await loadOee();

  const render = () => {
    main.innerHTML = `<h1>Plant overview</h1><div class="lines">${lines.map(line => lineCard(line, machines, openAlerts,
      oee.get(line.groupId), machineOee)).join('')}</div>`;
  };
  render();
  const socket = liveSocket(message => {
    if (message.type === 'machine' && message.data?.state) {
      const machine = machines.get(message.data.device);
      if (machine) {
        machine.machineState = message.data.state;
        machine.online = true;
        render();
      }
    } else if (message.type === 'alert') {
      const alert = message.data;
      if (alert.status === 'ACTIVE' || alert.status === 'ACKNOWLEDGED') {
        openAlerts.set(alert.alertId, { id: alert.alertId, deviceId: alert.device.deviceId, severity: alert.severity });
      } else {
        openAlerts.delete(alert.alertId);
      }
      render();
    }
  }, lines.slice(0, 20).map(line => `group:${line.groupId}`));
  const every = setInterval(() => loadOee().then(render).catch(() => {}), 60_000);
  return () => {
    clearInterval(every);
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
      <td class="${machine.online ? 'online' : 'offline'}">${machine.online ? 'online' : 'offline'}</td>
      <td>${time(machine.lastSeenAt)}</td>
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
