// Reports: anyone requests one (OEE, alerts or telemetry of the organisation, a line or a machine, over days of the
// organisation), follows it while it is generated and downloads its CSV file once ready.
import { api, every, file } from '../api.js';
import { field, clearProblems, showProblems } from '../form.js';
import { status } from '../status.js';
import { count, escape, isoDay, midnightOf, time } from '../format.js';
import { onPager, pager } from '../pager.js';

const PAGE_SIZE = 20;
/** How often the list is looked at again while a report is queued or running. */
const FOLLOW_MS = 2000;

export async function reportsPage(main) {
  const lines = await every('/groups');
  main.innerHTML = `<h1>Reports</h1>
    <form id="report-form" class="card"><h2>Request a report</h2>
      <p class="form-error error" role="alert"></p>
      <div class="grid">
        ${field('type', 'Report', `<select id="report-type" name="type"><option>oee</option><option>alerts</option>
          <option>telemetry</option><option value="shifts">shifts (a line per shift)</option></select>`)}
        ${field('scope', 'Of', `<select id="report-scope" name="scope"><option value="organisation">the organisation</option>
          ${lines.map(line => `<option value="group:${escape(line.groupId)}">${escape(line.name)}</option>`).join('')}
          <option value="device">one machine…</option></select>`)}
        ${field('deviceId', 'Machine id (for one machine)', '<input id="report-device" name="deviceId">')}
        ${field('from', 'From day', '<input id="report-from" name="from" type="date" required>')}
        ${field('to', 'To day (included)', '<input id="report-to" name="to" type="date" required>')}
        ${field('granularity', 'By', `<select id="report-granularity" name="granularity"><option value="1d">day</option>
          <option value="1h">hour</option><option value="1m">minute</option></select>`)}
      </div>
      <button class="primary" id="report-request" type="submit">Request</button></form>
    <div id="report-list"><p class="busy">Loading reports…</p></div>`;
  const list = main.querySelector('#report-list');
  let page = 1;
  let follow = null;
  const load = async () => {
    const answer = await api(`/reports?page=${page}&pageSize=${PAGE_SIZE}`);
    list.innerHTML = answer.data.length === 0 ? '<p class="empty">No reports yet.</p>'
      : `<table id="reports"><thead><tr><th>Requested</th><th>Report</th><th>Of</th><th>Days</th><th>By</th><th>Status</th>
          <th>Progress</th><th>Rows</th><th></th></tr></thead><tbody>${answer.data.map(row).join('')}</tbody></table>
        ${pager('reports', page, answer.pagination.total, PAGE_SIZE, 'report', 'reports')}`;
    onPager(main, 'reports', step => { page += step; load(); });
    clearTimeout(follow);
    if (answer.data.some(report => report.status === 'queued' || report.status === 'running')) {
      follow = setTimeout(() => load().catch(() => {}), FOLLOW_MS);
    }
  };
  list.addEventListener('click', async event => {
    const button = event.target.closest('button[data-download]');
    if (!button) return;
    button.disabled = true;
    try {
      const { name, blob } = await file(`/reports/${encodeURIComponent(button.dataset.download)}/download`);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      status(`Downloaded ${name}.`);
    } catch (error) {
      status(`Could not download the report: ${error.message}`, true);
    }
    button.disabled = false;
  });
  const form = main.querySelector('#report-form');
  // A shifts report has a line per shift of the calendar: no granularity to choose.
  form.type.addEventListener('change', () => { form.granularity.disabled = form.type.value === 'shifts'; });
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const [scope, groupId] = form.scope.value.split(':');
    const day = (value, after) => {
      const start = midnightOf(value, after);
      return start === null ? undefined : new Date(start).toISOString();
    };
    try {
      await api('/reports', { method: 'POST', body: {
        type: form.type.value, scope,
        groupId, deviceId: scope === 'device' ? form.deviceId.value : undefined,
        from: day(form.from.value, 0), to: day(form.to.value, 1),
        granularity: form.type.value === 'shifts' ? 'shift' : form.granularity.value } });
      clearProblems(form);
      status('Report requested: it is generated in the background.');
      page = 1;
      await load();
    } catch (error) {
      showProblems(form, error);
    }
  });
  await load();
  return () => clearTimeout(follow);
}

function row(report) {
  const lastDay = Date.parse(report.to) - 1;
  return `<tr data-report="${escape(report.reportId)}" data-status="${escape(report.status)}"><td>${time(report.createdAt)}</td>
    <td>${escape(report.type)}</td><td>${escape(report.scope)} ${escape(report.scopeId ?? '')}</td>
    <td>${isoDay(report.from)} to ${isoDay(lastDay)}</td><td>${report.type === 'alerts' ? '–' : escape(report.granularity)}</td>
    <td>${escape(report.status)}${report.error ? `: ${escape(report.error)}` : ''}</td>
    <td>${Math.round(report.progress * 100)} %</td><td>${count(report.rows, 'row', 'rows')}</td>
    <td>${report.status === 'ready' ? `<button type="button" data-download="${escape(report.reportId)}">download</button>` : ''}</td></tr>`;
}
