// Firmware and roll-outs: images and roll-outs for everyone to follow, each list a page at a time
// (#/rollouts?page=n&firmwarePage=m); operators upload images, start staged
// roll-outs and pause, resume or cancel them. A roll-out's page follows it live (every update step arrives on the
// socket).
import { api, every } from '../api.js';
import { liveSocket } from '../live.js';
import { canOperate } from '../session.js';
import { status } from '../status.js';
import { ask } from '../dialog.js';
import { field, showProblems } from '../form.js';
import { escape, time } from '../format.js';
import { onPager, pager } from '../pager.js';

const PAGE_SIZE = 25;
const STATES = ['QUEUED', 'SENT', 'DOWNLOADING', 'DOWNLOADED', 'VERIFIED', 'INSTALLING', 'SUCCEEDED', 'FAILED'];

export async function rolloutsPage(main, organisation, deploymentId, params) {
  return deploymentId ? rolloutPage(main, deploymentId) : rolloutList(main, params);
}

async function rolloutList(main, params) {
  const pages = { page: Math.max(1, Number(params.get('page')) || 1), firmwarePage: Math.max(1, Number(params.get('firmwarePage')) || 1) };
  // The roll-out form offers every image, not only the page's.
  const [firmware, deployments, groups, images] = await Promise.all([api(`/ota/firmware?page=${pages.firmwarePage}&pageSize=${PAGE_SIZE}`),
    api(`/ota/deployments?page=${pages.page}&pageSize=${PAGE_SIZE}`), every('/groups'), canOperate() ? every('/ota/firmware') : []]);
  main.innerHTML = `<h1>Firmware and roll-outs</h1>
    ${deployments.pagination.total === 0 ? '<p class="empty">No roll-outs yet.</p>' : `<table id="rollouts"><thead><tr>
      <th>Roll-out</th><th>Version</th><th>Status</th><th>Stage</th><th>Succeeded / failed / all</th><th>Started</th></tr></thead>
      <tbody>${deployments.data.map(d => `<tr data-rollout="${escape(d.deploymentId)}">
        <td><a href="#/rollouts/${encodeURIComponent(d.deploymentId)}">${escape(d.deploymentId)}</a></td><td>${escape(d.version)}</td>
        <td>${escape(d.status.toLowerCase())}</td><td>${d.currentStage + 1} of ${d.stages}</td>
        <td>${d.summary.SUCCEEDED} / ${d.summary.FAILED} / ${total(d.summary)}</td><td>${time(d.createdAt)}</td></tr>`).join('')}</tbody></table>
      ${pager('rollouts', pages.page, deployments.pagination.total, PAGE_SIZE, 'roll-out', 'roll-outs')}`}
    <h2>Firmware images</h2>
    ${firmware.pagination.total === 0 ? '<p class="empty">No images yet.</p>' : `<table id="firmware"><thead><tr><th>Version</th>
      <th>Hardware</th><th>Size</th><th>SHA-256</th><th>Uploaded</th></tr></thead><tbody>${firmware.data.map(f => `<tr>
      <td>${escape(f.version)}</td><td>${escape(f.hardwareModel ?? 'any')}</td><td>${f.sizeBytes} B</td>
      <td><code>${escape(f.sha256.slice(0, 16))}…</code></td><td>${time(f.createdAt)}</td></tr>`).join('')}</tbody></table>
      ${pager('firmware', pages.firmwarePage, firmware.pagination.total, PAGE_SIZE, 'image', 'images')}`}
    ${canOperate() ? forms(images, groups) : ''}`;
  for (const [name, key] of [['rollouts', 'page'], ['firmware', 'firmwarePage']]) {
    onPager(main, name, step => {
      location.hash = `#/rollouts?${new URLSearchParams({ ...pages, [key]: String(pages[key] + step) })}`;
    });
  }
  if (!canOperate()) return;
  const upload = main.querySelector('#upload-form');
  upload.addEventListener('submit', async event => {
    event.preventDefault();
    const data = new FormData(upload);
    const button = upload.querySelector('button');
    button.disabled = true;
    button.textContent = 'Uploading…';
    try {
      const answer = await api('/ota/firmware', { method: 'POST', body: data });
      status(`Firmware ${answer.data.version} uploaded.`);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (error) {
      showProblems(upload, error);
      button.disabled = false;
      button.textContent = 'Upload';
    }
  });
  const start = main.querySelector('#rollout-form');
  start?.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const created = (await api('/ota/deployments', { method: 'POST', body: {
        firmwareId: start.firmwareId.value, groupId: start.groupId.value,
        policy: { stageSize: Number(start.stageSize.value), successThreshold: Number(start.successThreshold.value),
          failureThreshold: Number(start.failureThreshold.value) } } })).data;
      location.hash = `#/rollouts/${encodeURIComponent(created.deploymentId)}`;
    } catch (error) {
      showProblems(start, error);
    }
  });
}

function forms(firmware, groups) {
  return `<div class="lines">
    <form id="upload-form" class="card"><h2>Upload an image</h2><p class="form-error error" role="alert"></p>
      ${field('version', 'Version', '<input name="version" id="upload-version" required>')}
      ${field('hardwareModel', 'Hardware model (optional)', '<input name="hardwareModel" id="upload-hardware">')}
      ${field('file', 'Image', '<input name="file" id="upload-file" type="file" required>')}
      <button class="primary" type="submit">Upload</button></form>
    ${firmware.length === 0 || groups.length === 0 ? '' : `<form id="rollout-form" class="card"><h2>Start a staged roll-out</h2>
      <p class="form-error error" role="alert"></p>
      ${field('firmwareId', 'Image', `<select name="firmwareId" id="rollout-firmware">${firmware.map(f =>
        `<option value="${escape(f.firmwareId)}">${escape(f.version)} ${escape(f.hardwareModel ?? '')}</option>`).join('')}</select>`)}
      ${field('groupId', 'Line', `<select name="groupId" id="rollout-group">${groups.map(g =>
        `<option value="${escape(g.groupId)}">${escape(g.name)}</option>`).join('')}</select>`)}
      ${field('stageSize', 'Devices per stage', '<input name="stageSize" id="rollout-stage-size" type="number" value="2" min="1">')}
      ${field('successThreshold', 'Success needed per stage (0-1)', '<input name="successThreshold" type="number" step="0.05" value="1">')}
      ${field('failureThreshold', 'Failures that pause it (0-1)', '<input name="failureThreshold" type="number" step="0.05" value="0.2">')}
      <button class="primary" id="rollout-start" type="submit">Start roll-out</button></form>`}</div>`;
}

async function rolloutPage(main, deploymentId) {
  const path = `/ota/deployments/${encodeURIComponent(deploymentId)}`;
  const draw = async () => {
    const [deployment, targets] = await Promise.all([api(path), api(`${path}/targets?pageSize=500`)]);
    const d = deployment.data;
    const actions = !canOperate() ? '' : [d.status === 'RUNNING' ? 'pause' : null, d.status === 'PAUSED' ? 'resume' : null,
      d.status === 'RUNNING' || d.status === 'PAUSED' ? 'cancel' : null].filter(Boolean)
      .map(action => `<button type="button" data-action="${action}" id="rollout-${action}">${action}</button>`).join(' ');
    main.innerHTML = `<h1>Roll-out ${escape(d.deploymentId)}: ${escape(d.version)}</h1>
      <p id="rollout-status" data-status="${escape(d.status)}">${escape(d.status.toLowerCase())}, stage ${d.currentStage + 1} of ${d.stages}
        ${d.pauseReason ? `: ${escape(d.pauseReason)}` : ''} ${actions}</p>
      <p class="kpis">${STATES.map(state => `<span class="kpi"><span class="value" data-count="${state}">${d.summary[state] ?? 0}</span>
        <span class="label">${state.toLowerCase()}</span></span>`).join('')}</p>
      <table id="targets"><thead><tr><th>Device</th><th>Stage</th><th>State</th><th>Progress</th><th>Reason</th><th>Since</th></tr></thead>
      <tbody>${targets.data.map(t => `<tr data-target="${escape(t.deviceId)}"><td>${escape(t.deviceId)}</td><td>${t.stage + 1}</td>
        <td class="target-state">${escape(t.state.toLowerCase())}</td><td>${t.progress ?? '–'}${t.progress === null ? '' : ' %'}</td>
        <td>${escape(t.reason ?? '')}</td><td>${time(t.stateSince)}</td></tr>`).join('')}</tbody></table>`;
    main.querySelectorAll('button[data-action]').forEach(button => button.addEventListener('click', async () => {
      if (button.dataset.action === 'cancel' && await ask(`Cancel roll-out ${d.deploymentId}? Devices not yet updated`
        + ' stay on their firmware; this cannot be undone.', { confirm: 'Cancel roll-out', dismiss: 'Keep it running', comment: false }) === null) return;
      button.disabled = true;
      try {
        await api(`${path}/${button.dataset.action}`, { method: 'POST' });
        await draw();
      } catch (error) {
        status(`Could not ${button.dataset.action} the roll-out: ${error.message}`, true);
        button.disabled = false;
      }
    }));
  };
  await draw();
  // Every update step arrives on the socket; the roll-out driver moves stages every few seconds, so look again too.
  const socket = liveSocket(message => {
    if (message.type === 'ota' && message.data.deploymentId === deploymentId) draw().catch(() => {});
  });
  const every = setInterval(() => draw().catch(() => {}), 5000);
  return () => {
    clearInterval(every);
    socket.close();
  };
}

function total(summary) {
  return Object.values(summary).reduce((sum, count) => sum + count, 0);
}
