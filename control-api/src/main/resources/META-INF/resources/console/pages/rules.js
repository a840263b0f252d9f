// Alert rules, a page at a time (#/rules?page=n, kept when a change redraws it): everyone reads them; admins create,
// edit, disable and delete them, with the API's validation shown at the fields.
import { api } from '../api.js';
import { role } from '../session.js';
import { status } from '../status.js';
import { ask } from '../dialog.js';
import { field, showProblems } from '../form.js';
import { escape } from '../format.js';
import { onPager, pager } from '../pager.js';

const PAGE_SIZE = 25;

export async function rulesPage(main, organisation, item, params) {
  const page = Math.max(1, Number(params.get('page')) || 1);
  const answer = await api(`/rules?page=${page}&pageSize=${PAGE_SIZE}`);
  const rules = answer.data;
  const admin = role() === 'admin';
  main.innerHTML = `<h1>Alert rules</h1>
    ${answer.pagination.total === 0 ? '<p class="empty">No rules yet.' + (admin ? ' Create the first one below.' : '') + '</p>' : `
    <table id="rules"><thead><tr><th>Rule</th><th>Scope</th><th>Condition</th><th>Severity</th><th>Escalation</th><th>Enabled</th><th></th></tr></thead>
    <tbody>${rules.map(rule => `<tr data-rule="${escape(rule.ruleId)}"><td>${escape(rule.name || rule.ruleId)}</td>
      <td>${escape(rule.scope.type.toLowerCase())} ${escape(rule.scope.target ?? '')}</td>
      <td>${escape(rule.metric)} ${escape(rule.operator)} ${rule.threshold} ${rule.forSeconds !== null ? `for ${rule.forSeconds} s` : `${rule.count} readings`}</td>
      <td class="severity-${escape(rule.severity)}">${escape(rule.severity)}</td>
      <td>${rule.escalation ? `to ${escape(rule.escalation.severity)} after ${rule.escalation.afterSeconds} s` : '–'}</td>
      <td>${rule.enabled ? 'yes' : 'no'}</td>
      <td>${admin ? `<button type="button" data-edit="${escape(rule.ruleId)}">edit</button>
        <button type="button" data-toggle="${escape(rule.ruleId)}">${rule.enabled ? 'disable' : 'enable'}</button>
        <button type="button" data-delete="${escape(rule.ruleId)}">delete</button>` : ''}</td></tr>`).join('')}</tbody></table>
    ${pager('rules', page, answer.pagination.total, PAGE_SIZE, 'rule', 'rules')}`}
    ${admin ? ruleForm() : ''}`;
  onPager(main, 'rules', step => { location.hash = `#/rules?page=${page + step}`; });
  if (!admin) return;
  const form = main.querySelector('#rule-form');
  main.querySelectorAll('button[data-edit]').forEach(button => button.addEventListener('click', () =>
    fill(form, rules.find(rule => rule.ruleId === button.dataset.edit))));
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  main.querySelectorAll('button[data-toggle]').forEach(button => button.addEventListener('click', async () => {
    const rule = rules.find(candidate => candidate.ruleId === button.dataset.toggle);
    try {
      await api(`/rules/${encodeURIComponent(rule.ruleId)}`, { method: 'PUT', body: { ...stored(rule), enabled: !rule.enabled } });
      status(`Rule ${rule.ruleId} ${rule.enabled ? 'disabled' : 'enabled'}.`);
      reload();
    } catch (error) {
      status(`Could not change rule ${rule.ruleId}: ${error.message}`, true);
    }
  }));
  main.querySelectorAll('button[data-delete]').forEach(button => button.addEventListener('click', async () => {
    const ruleId = button.dataset.delete;
    if (await ask(`Delete rule ${ruleId}? Its open alerts stay until resolved.`, { confirm: 'Delete', comment: false }) === null) return;
    try {
      await api(`/rules/${encodeURIComponent(ruleId)}`, { method: 'DELETE' });
      status(`Rule ${ruleId} deleted.`);
      reload();
    } catch (error) {
      status(`Could not delete rule ${ruleId}: ${error.message}`, true);
    }
  }));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const editing = form.dataset.editing;
    try {
      await api(editing ? `/rules/${encodeURIComponent(editing)}` : '/rules', { method: editing ? 'PUT' : 'POST', body: body(form) });
      status(`Rule ${form.ruleId.value} saved.`);
      location.hash = '#/rules';
      reload();
    } catch (error) {
      showProblems(form, error);
    }
  });
}

const SEVERITIES = ['INFO', 'WARNING', 'MAJOR', 'CRITICAL'];

/** A rule as the API answers it, as the body of its PUT (the whole rule, without its id and times). */
function stored(rule) {
  const { ruleId, createdAt, updatedAt, ...body } = rule;
  return JSON.parse(JSON.stringify(body, (key, value) => value === null ? undefined : value));
}

function ruleForm() {
  const input = (name, type = 'text', extra = '') => `<input id="rule-${name}" name="${name}" type="${type}" ${extra}>`;
  return `<form id="rule-form" class="card rule-form"><h2 id="rule-form-title">New rule</h2>
    <p class="form-error error" role="alert"></p>
    <div class="grid">
      ${field('ruleId', 'Rule id', input('ruleId'))}
      ${field('name', 'Name', input('name'))}
      ${field('scope', 'Scope', `<select id="rule-scope" name="scope"><option>ORGANISATION</option><option>GROUP</option><option>DEVICE</option></select>`)}
      ${field('target', 'Group or device', input('target'))}
      ${field('metric', 'Metric', input('metric'))}
      ${field('operator', 'Operator', `<select id="rule-operator" name="operator"><option>&gt;</option><option>&gt;=</option><option>&lt;</option><option>&lt;=</option></select>`)}
      ${field('threshold', 'Threshold', input('threshold', 'number', 'step="any"'))}
      ${field('forSeconds', 'For seconds', input('forSeconds', 'number'))}
      ${field('count', 'Or readings in a row', input('count', 'number'))}
      ${field('clearThreshold', 'Clears at', input('clearThreshold', 'number', 'step="any"'))}
      ${field('severity', 'Severity', `<select id="rule-severity" name="severity">${SEVERITIES.map(severity =>
        `<option ${severity === 'MAJOR' ? 'selected' : ''}>${severity}</option>`).join('')}</select>`)}
      ${field('escalation', 'Escalate after seconds (optional)', input('escalateAfterSeconds', 'number', 'min="1"'))}
      ${field('escalateTo', 'Escalate to', `<select id="rule-escalateTo" name="escalateTo"><option value="">no escalation</option>
        ${SEVERITIES.map(severity => `<option>${severity}</option>`).join('')}</select>`)}
      <label class="check"><input id="rule-enabled" name="enabled" type="checkbox" checked> Enabled</label>
    </div>
    <button class="primary" id="rule-save" type="submit">Save rule</button></form>`;
}

function fill(form, rule) {
  form.dataset.editing = rule.ruleId;
  form.querySelector('#rule-form-title').textContent = `Edit ${rule.ruleId}`;
  form.ruleId.value = rule.ruleId;
  form.ruleId.disabled = true;
  form.name.value = rule.name ?? '';
  form.scope.value = rule.scope.type;
  form.target.value = rule.scope.target ?? '';
  form.metric.value = rule.metric;
  form.operator.value = rule.operator;
  form.threshold.value = rule.threshold;
  form.forSeconds.value = rule.forSeconds ?? '';
  form.count.value = rule.count ?? '';
  form.clearThreshold.value = rule.clearThreshold ?? '';
  form.severity.value = rule.severity;
  form.escalateAfterSeconds.value = rule.escalation?.afterSeconds ?? '';
  form.escalateTo.value = rule.escalation?.severity ?? '';
  form.enabled.checked = rule.enabled;
  form.scrollIntoView();
  form.ruleId.focus();
}

/**
 * The form as the API's whole rule body (a PUT replaces the rule: escalation and enabled are sent too, or the edit
 * would drop them); empty number fields are left out, a number field holding text is sent as text.
 */
function body(form) {
  const number = name => form[name].value === '' ? undefined : Number(form[name].value);
  const rule = {
    name: form.name.value || undefined,
    scope: { type: form.scope.value, target: form.scope.value === 'ORGANISATION' ? undefined : form.target.value },
    metric: form.metric.value, operator: form.operator.value, threshold: number('threshold'),
    forSeconds: number('forSeconds'), count: number('count'), clearThreshold: number('clearThreshold'),
    severity: form.severity.value, enabled: form.enabled.checked,
    escalation: form.escalateTo.value || form.escalateAfterSeconds.value !== ''
      ? { afterSeconds: number('escalateAfterSeconds'), severity: form.escalateTo.value || undefined } : undefined
  };
  if (!form.dataset.editing) rule.ruleId = form.ruleId.value;
  return rule;
}
