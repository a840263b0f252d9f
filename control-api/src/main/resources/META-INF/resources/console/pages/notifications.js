// Notifications (admins only): the channels with each one's health (failures in a row, the last error), a test
// message to one, the subscriptions that say which events reach which channel, and the delivery log. Channels and
// the log are looked at again every few seconds while the page is open.
import { api, every } from '../api.js';
import { ask } from '../dialog.js';
import { clearProblems, field, showProblems } from '../form.js';
import { status } from '../status.js';
import { count, escape, time } from '../format.js';
import { onPager, pager } from '../pager.js';

const EVENTS = ['alert.opened', 'alert.escalated', 'alert.cleared', 'device.offline', 'device.online', 'rollout.paused',
  'rollout.completed', 'rollout.failed'];
const SEVERITIES = ['INFO', 'WARNING', 'MAJOR', 'CRITICAL'];
const PAGE_SIZE = 25;
const REFRESH_MS = 5000;

export async function notificationsPage(main) {
  const lines = await every('/groups');
  main.innerHTML = `<h1>Notifications</h1>
    <h2>Channels</h2><div id="channel-list"><p class="busy">Loading channels…</p></div>
    <form id="channel-form" class="card"><h2>Add a channel</h2><p class="form-error error" role="alert"></p>
      <div class="grid">
        ${field('name', 'Name', '<input id="channel-name" name="name" required maxlength="200">')}
        ${field('type', 'Type', '<select id="channel-type" name="type"><option>email</option><option>webhook</option></select>')}
        ${field('settings', 'Addresses (comma-separated) or webhook URL', '<input id="channel-target" name="destination" required>')}
      </div>
      <p class="muted">SMS gateways are added through the API (POST /api/v1/notification-channels).</p>
      <button class="primary" id="channel-save" type="submit">Add channel</button></form>
    <section id="subscriptions-section"><h2>Subscriptions</h2><div id="subscription-list"></div></section>
    <form id="subscription-form" class="card"><h2>Subscribe a channel</h2><p class="form-error error" role="alert"></p>
      <div class="grid">
        ${field('channelId', 'Channel', '<select id="subscription-channel" name="channelId"></select>')}
        ${field('minSeverity', 'At least', `<select id="subscription-severity" name="minSeverity"><option value="">any severity</option>
          ${SEVERITIES.map(severity => `<option>${severity}</option>`).join('')}</select>`)}
        ${field('groupId', 'Only line', `<select id="subscription-group" name="groupId"><option value="">any line</option>
          ${lines.map(line => `<option value="${escape(line.groupId)}">${escape(line.name)}</option>`).join('')}</select>`)}
        ${field('quietFrom', 'Quiet from (HH:MM)', '<input id="subscription-quiet-from" name="quietFrom" type="time">')}
        ${field('quietTo', 'Quiet to', '<input id="subscription-quiet-to" name="quietTo" type="time">')}
        ${field('minIntervalSeconds', 'At most one message per alert every (s)', '<input id="subscription-interval" name="minIntervalSeconds" type="number" min="0">')}
      </div>
      <fieldset class="events"><legend>Events</legend>${EVENTS.map(event =>
        `<label class="check"><input type="checkbox" name="eventTypes" value="${event}"> ${event}</label>`).join('')}
        <span class="field-error error" data-error-for="eventTypes" id="error-eventTypes"></span></fieldset>
      <button class="primary" id="subscription-save" type="submit">Subscribe</button></form>
    <h2>Delivery log</h2>
    <div class="filters">
      <label>Channel <select id="delivery-channel"><option value="">any</option></select></label>
      <label>Status <select id="delivery-status"><option value="">any</option>${['pending', 'delivered', 'failed', 'merged', 'cancelled']
        .map(state => `<option>${state}</option>`).join('')}</select></label>
    </div>
    <div id="delivery-list"><p class="busy">Loading the log…</p></div>`;
  let channels = [];
  let page = 1;
  const channelName = id => channels.find(channel => channel.channelId === id)?.name ?? id;
  const lineName = id => lines.find(line => line.groupId === id)?.name ?? id;

  const loadChannels = async () => {
    channels = await every('/notification-channels');
    main.querySelector('#channel-list').innerHTML = channels.length === 0 ? '<p class="empty">No channels yet.</p>'
      : `<table id="channels"><thead><tr><th>Name</th><th>Type</th><th>Destination</th><th>Health</th><th></th></tr></thead>
        <tbody>${channels.map(channel => `<tr data-channel="${escape(channel.channelId)}" data-channel-name="${escape(channel.name)}">
          <td>${escape(channel.name)}</td><td>${escape(channel.type)}</td><td>${escape(destination(channel))}</td>
          <td class="${channel.healthy ? 'online' : 'offline'}">${health(channel)}</td>
          <td><button type="button" data-test="${escape(channel.channelId)}">send test</button>
            <button type="button" data-delete-channel="${escape(channel.channelId)}">delete</button></td></tr>`).join('')}</tbody></table>`;
    for (const id of ['#subscription-channel', '#delivery-channel']) {
      const select = main.querySelector(id);
      const chosen = select.value;
      select.innerHTML = (id === '#delivery-channel' ? '<option value="">any</option>' : '')
        + channels.map(channel => `<option value="${escape(channel.channelId)}">${escape(channel.name)}</option>`).join('');
      if (chosen) select.value = chosen;
    }
  };
  const loadSubscriptions = async () => {
    const subscriptions = await every('/notification-subscriptions');
    main.querySelector('#subscription-list').innerHTML = subscriptions.length === 0
      ? '<p class="empty">No subscriptions yet: no event reaches a channel.</p>'
      : `<table id="subscriptions"><thead><tr><th>Channel</th><th>Events</th><th>At least</th><th>Line</th><th>Rule</th>
          <th>Quiet hours</th><th>Interval</th><th></th></tr></thead><tbody>${subscriptions.map(subscription => `<tr
          data-subscription="${escape(subscription.subscriptionId)}"><td>${escape(channelName(subscription.channelId))}</td>
          <td>${escape(subscription.eventTypes.join(', '))}</td><td>${escape(subscription.minSeverity ?? 'any')}</td>
          <td>${escape(subscription.groupId ? lineName(subscription.groupId) : 'any')}</td><td>${escape(subscription.ruleId ?? 'any')}</td>
          <td>${subscription.quietFrom ? `${escape(subscription.quietFrom)}–${escape(subscription.quietTo)}` : '–'}</td>
          <td>${subscription.minIntervalSeconds ? `${subscription.minIntervalSeconds} s` : '–'}</td>
          <td><button type="button" data-delete-subscription="${escape(subscription.subscriptionId)}">delete</button></td></tr>`).join('')}</tbody></table>`;
  };
  const loadDeliveries = async () => {
    const query = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
    for (const [id, name] of [['delivery-channel', 'channelId'], ['delivery-status', 'status']]) {
      const value = main.querySelector(`#${id}`).value;
      if (value) query.set(name, value);
    }
    const answer = await api(`/notification-deliveries?${query}`);
    main.querySelector('#delivery-list').innerHTML = answer.data.length === 0 ? '<p class="empty">Nothing sent yet.</p>'
      : `<table id="deliveries"><thead><tr><th>Queued</th><th>Channel</th><th>Event</th><th>Status</th><th>Attempts</th>
          <th>Stands for</th><th>Last error</th><th>Delivered</th></tr></thead><tbody>${answer.data.map(delivery => `<tr
          data-delivery="${escape(delivery.deliveryId)}"><td>${time(delivery.createdAt)}</td><td>${escape(channelName(delivery.channelId))}</td>
          <td>${escape(delivery.eventType)}</td><td>${escape(delivery.status)}</td><td>${delivery.attempts}</td>
          <td>${delivery.mergedCount ? `${count(delivery.mergedCount, 'earlier message', 'earlier messages')} too` : ''}</td>
          <td>${escape(delivery.lastError ?? '')}</td><td>${time(delivery.deliveredAt)}</td></tr>`).join('')}</tbody></table>
        ${pager('deliveries', page, answer.pagination.total, PAGE_SIZE, 'delivery', 'deliveries')}`;
    onPager(main, 'deliveries', step => { page += step; loadDeliveries(); });
  };
  const deleting = async (question, path, done) => {
    if (await ask(question, { confirm: 'Delete', comment: false }) === null) return;
    try {
      await api(path, { method: 'DELETE' });
      status(done);
    } catch (error) {
      status(`Could not delete: ${error.message}`, true);
    }
    await loadChannels();
    await Promise.all([loadSubscriptions(), loadDeliveries()]);
  };

  main.querySelector('#channel-list').addEventListener('click', async event => {
    const test = event.target.closest('button[data-test]');
    const remove = event.target.closest('button[data-delete-channel]');
    if (test) {
      try {
        await api(`/notification-channels/${encodeURIComponent(test.dataset.test)}/test`, { method: 'POST' });
        status(`Test message queued to ${channelName(test.dataset.test)}; the log below shows how it went.`);
      } catch (error) {
        status(`Could not send a test message: ${error.message}`, true);
      }
      await loadDeliveries();
    } else if (remove) {
      const name = channelName(remove.dataset.deleteChannel);
      await deleting(`Delete channel ${name} with its subscriptions and its delivery log?`,
        `/notification-channels/${encodeURIComponent(remove.dataset.deleteChannel)}`, `Channel ${name} deleted.`);
    }
  });
  main.querySelector('#subscription-list').addEventListener('click', async event => {
    const remove = event.target.closest('button[data-delete-subscription]');
    if (remove) {
      await deleting('Delete this subscription? Messages already queued still go.',
        `/notification-subscriptions/${encodeURIComponent(remove.dataset.deleteSubscription)}`, 'Subscription deleted.');
    }
  });
  main.querySelectorAll('.filters select').forEach(select => select.addEventListener('change', () => { page = 1; loadDeliveries(); }));

  const channelForm = main.querySelector('#channel-form');
  channelForm.addEventListener('submit', async event => {
    event.preventDefault();
    const target = channelForm.destination.value.trim();
    const type = channelForm.type.value;
    try {
      const created = (await api('/notification-channels', { method: 'POST', body: { name: channelForm.name.value, type,
        settings: type === 'email' ? { to: target.split(',').map(address => address.trim()).filter(Boolean) } : { url: target } } })).data;
      status(created.signingSecret ? `Channel ${created.name} added. Its signing secret, shown this once: ${created.signingSecret}`
        : `Channel ${created.name} added.`);
      channelForm.reset();
      clearProblems(channelForm);
      await loadChannels();
    } catch (error) {
      showProblems(channelForm, error);
    }
  });
  const subscriptionForm = main.querySelector('#subscription-form');
  subscriptionForm.addEventListener('submit', async event => {
    event.preventDefault();
    const value = name => subscriptionForm[name].value || undefined;
    try {
      await api('/notification-subscriptions', { method: 'POST', body: { channelId: value('channelId'),
        eventTypes: [...subscriptionForm.querySelectorAll('input[name="eventTypes"]:checked')].map(box => box.value),
        minSeverity: value('minSeverity'), groupId: value('groupId'), quietFrom: value('quietFrom'), quietTo: value('quietTo'),
        minIntervalSeconds: value('minIntervalSeconds') === undefined ? undefined : Number(value('minIntervalSeconds')) } });
      status('Subscription added.');
      subscriptionForm.reset();
      clearProblems(subscriptionForm);
      await loadSubscriptions();
    } catch (error) {
      showProblems(subscriptionForm, error);
    }
  });

  await loadChannels();
  await Promise.all([loadSubscriptions(), loadDeliveries()]);
  const refresh = setInterval(() => Promise.all([loadChannels(), loadDeliveries()]).catch(() => {}), REFRESH_MS);
  return () => clearInterval(refresh);
}

function destination(channel) {
  const settings = channel.settings ?? {};
  if (channel.type === 'email') return (settings.to ?? []).join(', ');
  if (channel.type === 'sms') return `${settings.to ?? ''} via ${settings.url ?? ''}`;
  return settings.url ?? '';
}

/** Healthy, or how many attempts in a row failed and the last error (the log has every delivery's). */
function health(channel) {
  const failures = channel.consecutiveFailures ?? 0;
  const error = channel.lastError ? `: ${escape(channel.lastError)}` : '';
  if (channel.healthy) return failures === 0 ? 'healthy' : `healthy (${count(failures, 'failure', 'failures')} in a row${error})`;
  return `unhealthy: ${count(failures, 'failure', 'failures')} in a row${error}`;
}
