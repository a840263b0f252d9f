// Alerts, paged and filtered by status, severity, line, device and the days they opened, new ones arriving live
// over the socket; operators and admins acknowledge (one or several at once) and resolve them with a comment,
// viewers only read. An alert's own page (#/alerts/{id}, the link of its mails) shows its history and comments.
import { api, every } from '../api.js';
import { liveSocket } from '../live.js';
import { ask } from '../dialog.js';
import { canOperate } from '../session.js';
import { status } from '../status.js';
import { duration, escape, midnightOf, time } from '../format.js';
import { onPager, pager } from '../pager.js';

const PAGE_SIZE = 50;

export async function alertsPage(main, organisation, alertId) {
  return alertId ? alertPage(main, alertId) : alertList(main);
}

async function alertList(main) {
  const lines = await every('/groups');
  main.innerHTML = `<h1>Alerts</h1>
    <div class="filters">
      <label>Status <select id="alert-status">
        <option value="ACTIVE,ACKNOWLEDGED">open</option><option value="ACTIVE">active</option>
        <option value="ACKNOWLEDGED">acknowledged</option><option value="CLEARED,RESOLVED">closed</option>
        <option value="">all</option></select></label>
      <label>Severity <select id="alert-severity"><option value="">any</option><option>CRITICAL</option>
        <option>MAJOR</option><option>WARNING</option><option>INFO</option></select></label>
      <label>Line <select id="alert-line"><option value="">any</option>${lines.map(line =>
        `<option value="${escape(line.groupId)}">${escape(line.name)}</option>`).join('')}</select></label>
      <label>Device <input id="alert-device" size="12" placeholder="device id"></label>
      <label>Opened from <input id="alert-from" type="date"></label>
      <label>to <input id="alert-to" type="date"></label>
    </div>
    ${canOperate() ? '<p><button type="button" id="acknowledge-selected" disabled>Acknowledge selected</button></p>' : ''}
    <div id="alert-list"><p class="busy">Loading alerts…</p></div>`;
  const list = main.querySelector('#alert-list');
  let page = 1;
  // The dates are days of the organisation: from the first one's midnight to the end of the second.
  const day = (id, after) => {
    const start = midnightOf(main.querySelector(id).value, after);
    return start === null ? null : new Date(start).toISOString();
  };
  const filters = () => {
    const query = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
    for (const [id, name] of [['alert-status', 'status'], ['alert-severity', 'severity'], ['alert-line', 'groupId']]) {
      const value = main.querySelector(`#${id}`).value;
      if (value) query.set(name, value);
    }
    const device = main.querySelector('#alert-device').value.trim();
    if (device) query.set('deviceId', device);
    const from = day('#alert-from', 0);
    const to = day('#alert-to', 1);
    if (from) query.set('from', from);
    if (to) query.set('to', to);
    return query;
  };
  // The live record of a change can arrive before the jobs' table has it: the newer of the two wins.
  const live = new Map();
  const load = async () => {
    const wanted = main.querySelector('#alert-status').value;
    const answer = await api(`/alerts?${filters()}`);
    const alerts = answer.data.map(alert => {
      const change = live.get(alert.id);
      return change && Date.parse(change.at) > Date.parse(alert.updatedAt) ? { ...alert, status: change.status } : alert;
    }).filter(alert => !wanted || wanted.split(',').includes(alert.status));
    list.innerHTML = alerts.length === 0
      ? '<p class="empty" id="no-alerts">No alerts match. New ones appear here as they open.</p>'
      : `<table id="alerts"><thead><tr>${canOperate() ? '<th></th>' : ''}<th>Opened</th><th>Device</th><th>Rule</th>
          <th>Severity</th><th>Status</th><th>Value (peak)</th><th></th></tr></thead><tbody>${alerts.map(alert => row(alert, chosen)).join('')}</tbody></table>
        ${pager('alerts', page, answer.pagination.total, PAGE_SIZE, 'alert', 'alerts')}`;
    onPager(main, 'alerts', step => { page += step; load(); });
    selectionChanged();
  };
  // The selection outlives the list's redrawing (live alerts redraw it).
  const chosen = new Set();
  const selected = () => [...list.querySelectorAll('input[data-select]:checked')].map(box => box.dataset.select);
  const selectionChanged = () => {
    chosen.clear();
    selected().forEach(id => chosen.add(id));
    const button = main.querySelector('#acknowledge-selected');
    if (button) button.disabled = chosen.size === 0;
  };
  const reload = () => { page = 1; load(); };
  main.querySelectorAll('.filters select, .filters input').forEach(input => input.addEventListener('change', reload));
  list.addEventListener('change', selectionChanged);
  main.querySelector('#acknowledge-selected')?.addEventListener('click', async () => {
    const ids = selected();
    const comment = await ask(`Acknowledge ${ids.length} alert${ids.length === 1 ? '' : 's'}?`, { confirm: 'Acknowledge' });
    if (comment === null) return;
    const results = await Promise.allSettled(ids.map(id =>
      api(`/alerts/${id}/acknowledge`, { method: 'POST', body: { comment } })));
    const failed = results.filter(result => result.status === 'rejected');
    status(failed.length === 0 ? `${ids.length} alerts acknowledged.`
      : `${ids.length - failed.length} acknowledged; ${failed.length} could not be: ${failed[0].reason.message}`, failed.length > 0);
    await load();
  });
  list.addEventListener('click', async event => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    button.disabled = true;
    if (await act(button.dataset.id, button.dataset.action)) {
      await load();
    } else {
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

/**
 * Acknowledges or resolves the alert after asking for a comment in the page's dialog; true once done, false when
 * dismissed or refused (the status line says why).
 */
async function act(alertId, action) {
  const verb = action === 'acknowledge' ? 'Acknowledge' : 'Resolve';
  const comment = await ask(`${verb} this alert?`, { confirm: verb });
  if (comment === null) return false;
  try {
    await api(`/alerts/${encodeURIComponent(alertId)}/${action}`, { method: 'POST', body: { comment } });
    status(`Alert ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}.`);
    return true;
  } catch (error) {
    status(`Could not ${action} the alert: ${error.message}`, true);
    return false;
  }
}

/** What an operator may still do with the alert. */
function actionsOf(alert) {
  if (!canOperate()) return [];
  return [alert.status === 'ACTIVE' ? 'acknowledge' : null, alert.status !== 'RESOLVED' ? 'resolve' : null].filter(Boolean);
}

function row(alert, chosen) {
  const actions = actionsOf(alert)
    .map(action => `<button type="button" data-action="${action}" data-id="${escape(alert.id)}">${action}</button>`).join(' ');
  const select = !canOperate() ? '' : `<td>${alert.status === 'ACTIVE'
    ? `<input type="checkbox" data-select="${escape(alert.id)}" aria-label="select" ${chosen.has(alert.id) ? 'checked' : ''}>`
    : ''}</td>`;
  return `<tr data-alert="${escape(alert.id)}" data-status="${escape(alert.status)}">${select}
    <td><a href="#/alerts/${encodeURIComponent(alert.id)}">${time(alert.openedAt)}</a></td><td>${escape(alert.deviceId)}</td><td>${escape(alert.ruleId)}</td>
    <td class="severity-${escape(alert.severity)}">${escape(alert.severity)}</td><td class="status">${escape(alert.status.toLowerCase())}</td>
    <td>${value(alert)}</td><td>${actions}</td></tr>`;
}

/**
 * One alert: what it is, its history (the times it opened, escalated, cleared, was acknowledged and resolved, and
 * by whom) and every comment given it (who, when), oldest first, followed live; operators acknowledge and resolve
 * it here too.
 */
async function alertPage(main, alertId) {
  const draw = async () => {
    const alert = (await api(`/alerts/${encodeURIComponent(alertId)}`)).data;
    main.innerHTML = `<h1>Alert on ${escape(alert.deviceId)}</h1>
      <p><a href="#/alerts">All alerts</a></p>
      <section class="card"><table id="alert-summary">
        <tr><th>Device</th><td><a href="#/devices/${encodeURIComponent(alert.deviceId)}">${escape(alert.deviceId)}</a></td></tr>
        <tr><th>Rule</th><td>${escape(alert.ruleId)} on ${escape(alert.metric)}</td></tr>
        <tr><th>Severity</th><td class="severity-${escape(alert.severity)}">${escape(alert.severity)}</td></tr>
        <tr><th>Status</th><td>${escape(alert.status.toLowerCase())}</td></tr>
        <tr><th>Value (peak)</th><td>${value(alert)}</td></tr>
      </table>
      <p>${actionsOf(alert).map(action => `<button type="button" data-action="${action}" id="alert-${action}">${action}</button>`).join(' ')}</p>
      </section>
      <section id="alert-history"><h2>History</h2>
        <table><tbody>${history(alert).map(([at, what]) => `<tr><td>${time(at)}</td><td>${escape(what)}</td></tr>`).join('')}</tbody></table>
        <h2>Comments</h2>
        ${alert.comments.length === 0 ? '<p id="alert-comments" class="muted">No comments.</p>'
          : `<ol id="alert-comments">${alert.comments.map(comment => `<li><span class="muted">${time(comment.at)},
            ${escape(comment.by)}:</span> ${escape(comment.text)}</li>`).join('')}</ol>`}
      </section>`;
    main.querySelectorAll('button[data-action]').forEach(button => button.addEventListener('click', async () => {
      button.disabled = true;
      if (await act(alertId, button.dataset.action)) {
        await draw();
      } else {
        button.disabled = false;
      }
    }));
  };
  await draw();
  const socket = liveSocket(message => {
    if (message.type === 'authenticated' || (message.type === 'alert' && message.data.alertId === alertId)) {
      draw().catch(() => {});
    }
  });
  return () => socket.close();
}

/** The alert's changes, oldest first: [time, what happened]. */
function history(alert) {
  return [
    [alert.openedAt, 'opened'],
    [alert.escalatedAt, `escalated to ${alert.severity}`],
    [alert.clearedAt, alert.ruleId === OFFLINE_RULE ? 'cleared: the device is back' : 'cleared: the readings are back within the rule'],
    [alert.acknowledgedAt, `acknowledged by ${alert.acknowledgedBy}`],
    [alert.resolvedAt, `resolved by ${alert.resolvedBy}`]
  ].filter(([at]) => at).sort(([a], [b]) => Date.parse(a) - Date.parse(b));
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
