// Open and recent alerts, new ones arriving live over the socket; operators and admins acknowledge and resolve
// them with a comment, viewers only read.
import { api } from '../api.js';
import { liveSocket } from '../live.js';
import { ask } from '../dialog.js';
import { canOperate } from '../session.js';
import { status } from '../status.js';
import { duration, escape, time } from '../format.js';

export async function alertsPage(main) {
  main.innerHTML = `<h1>Alerts</h1>
    <div class="filters">
      <label>Status <select id="alert-status">
        <option value="ACTIVE,ACKNOWLEDGED">open</option><option value="ACTIVE">active</option>
        <option value="ACKNOWLEDGED">acknowledged</option><option value="CLEARED,RESOLVED">closed</option>
        <option value="">all</option></select></label>
      <label>Severity <select id="alert-severity"><option value="">any</option><option>CRITICAL</option>
        <option>MAJOR</option><option>WARNING</option><option>INFO</option></select></label>
    </div>
    <div id="alert-list"><p class="busy">Loading alerts…</p></div>`;
  const list = main.querySelector('#alert-list');
  const filters = () => {
    const query = new URLSearchParams({ pageSize: '200' });
    const statusFilter = main.querySelector('#alert-status').value;
    const severity = main.querySelector('#alert-severity').value;
    if (statusFilter) query.set('status', statusFilter);
    if (severity) query.set('severity', severity);
    return query;
  };
  // The live record of a change can arrive before the jobs' table has it: the newer of the two wins.
  const live = new Map();
  const load = async () => {
    const wanted = main.querySelector('#alert-status').value;
    const alerts = (await api(`/alerts?${filters()}`)).data.map(alert => {
      const change = live.get(alert.id);
      return change && Date.parse(change.at) > Date.parse(alert.updatedAt) ? { ...alert, status: change.status } : alert;
    }).filter(alert => !wanted || wanted.split(',').includes(alert.status));
    list.innerHTML = alerts.length === 0
      ? '<p class="empty" id="no-alerts">No alerts match. New ones appear here as they open.</p>'
      : `<table id="alerts"><thead><tr><th>Opened</th><th>Device</th><th>Rule</th><th>Severity</th><th>Status</th>
          <th>Value (peak)</th><th></th></tr></thead><tbody>${alerts.map(row).join('')}</tbody></table>`;
  };
  main.querySelectorAll('select').forEach(select => select.addEventListener('change', load));
  list.addEventListener('click', async event => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const action = button.dataset.action;
    const comment = await ask(`${action === 'acknowledge' ? 'Acknowledge' : 'Resolve'} this alert?`,
      { confirm: action === 'acknowledge' ? 'Acknowledge' : 'Resolve' });
    if (comment === null) return;
    button.disabled = true;
    try {
      await api(`/alerts/${button.dataset.id}/${action}`, { method: 'POST', body: { comment } });
      status(`Alert ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}.`);
      await load();
    } catch (error) {
      status(`Could not ${action} the alert: ${error.message}`, true);
      button.disabled = false;
    }
  });
  await load();
  // Reloaded once the socket is authenticated too: an alert that opened while it connected is not missed.
  const socket = liveSocket(message => {
    if (message.type === 'alert') {
      live.set(message.data.alertId, { status: message.data.status, at: message.data.at });
    }
    if (message.type === 'alert' || message.type === 'authenticated') {
      load().catch(() => {});
    }
  });
  return () => socket.close();
}

function row(alert) {
  const actions = !canOperate() ? '' : [
    alert.status === 'ACTIVE' ? 'acknowledge' : null,
    alert.status === 'ACTIVE' || alert.status === 'ACKNOWLEDGED' || alert.status === 'CLEARED' ? 'resolve' : null
  ].filter(Boolean).map(action => `<button type="button" data-action="${action}" data-id="${escape(alert.id)}">${action}</button>`).join(' ');
  return `<tr data-alert="${escape(alert.id)}" data-status="${escape(alert.status)}">
    <td>${time(alert.openedAt)}</td><td>${escape(alert.deviceId)}</td><td>${escape(alert.ruleId)}</td>
    <td class="severity-${escape(alert.severity)}">${escape(alert.severity)}</td><td class="status">${escape(alert.status.toLowerCase())}</td>
    <td>${value(alert)}</td><td>${actions}</td></tr>`;
}

const OFFLINE_RULE = 'DEVICE_OFFLINE';

/**
 * The reading that broke the rule and its peak; for an offline alert, how long its device has been silent: its value
 * is the seconds of silence (at the opening, then at the clearing), so the silence began that long before it opened.
 */
function value(alert) {
  if (alert.ruleId !== OFFLINE_RULE) return `${alert.lastValue ?? '–'} (${alert.peakValue ?? '–'})`;
  const open = alert.status === 'ACTIVE' || alert.status === 'ACKNOWLEDGED';
  const silentSince = Date.parse(alert.openedAt) - (alert.lastValue ?? 0) * 1000;
  return open ? `silent for ${duration(Date.now() - silentSince)}` : `was silent for ${duration((alert.lastValue ?? 0) * 1000)}`;
}
