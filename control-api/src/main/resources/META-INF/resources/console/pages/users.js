// Users of the organisation (admins only): invite one with a role and a first password to pass on, change a role,
// disable and enable. An admin changes neither their own role nor their own access here, so they cannot lock
// themselves out.
import { api, every, session } from '../api.js';
import { ask } from '../dialog.js';
import { clearProblems, field, showProblems } from '../form.js';
import { status } from '../status.js';
import { escape, time } from '../format.js';

const ROLES = ['viewer', 'operator', 'admin'];

export async function usersPage(main) {
  main.innerHTML = `<h1>Users</h1>
    <div id="user-list"><p class="busy">Loading users…</p></div>
    <form id="invite-form" class="card"><h2>Invite a user</h2>
      <p class="form-error error" role="alert"></p>
      <div class="grid">
        ${field('email', 'E-mail', '<input id="user-email" name="email" type="email" required>')}
        ${field('displayName', 'Name', '<input id="user-name" name="displayName">')}
        ${field('role', 'Role', `<select id="user-role" name="role">${ROLES.map(role => `<option>${role}</option>`).join('')}</select>`)}
        ${field('password', 'First password (at least 10 characters; pass it on, they change it)',
          '<input id="user-password" name="password" type="text" minlength="10" required autocomplete="off">')}
      </div>
      <button class="primary" id="user-invite" type="submit">Invite</button></form>`;
  const list = main.querySelector('#user-list');
  const me = session().user.email;
  const load = async () => {
    const users = await every('/users');
    list.innerHTML = `<table id="users"><thead><tr><th>E-mail</th><th>Name</th><th>Role</th><th>Access</th><th>Since</th><th></th></tr></thead>
      <tbody>${users.map(user => `<tr data-user="${escape(user.id)}" data-user-email="${escape(user.email)}">
        <td>${escape(user.email)}</td><td>${escape(user.displayName ?? '')}</td>
        <td><select data-role="${escape(user.id)}" aria-label="role" ${user.email === me ? 'disabled' : ''}>${ROLES.map(role =>
          `<option ${role === user.role ? 'selected' : ''}>${role}</option>`).join('')}</select></td>
        <td class="${user.disabled ? 'offline' : 'online'}">${user.disabled ? 'disabled' : 'active'}</td><td>${time(user.createdAt)}</td>
        <td>${user.email === me ? '' : user.disabled
          ? `<button type="button" data-enable="${escape(user.id)}">enable</button>`
          : `<button type="button" data-disable="${escape(user.id)}">disable</button>`}</td></tr>`).join('')}</tbody></table>`;
  };
  const change = async (userId, body, done) => {
    try {
      const user = (await api(`/users/${encodeURIComponent(userId)}`, { method: 'PATCH', body })).data;
      status(done(user));
    } catch (error) {
      status(`Could not change the user: ${error.message}`, true);
    }
    await load();
  };
  list.addEventListener('change', event => {
    const select = event.target.closest('select[data-role]');
    if (select) change(select.dataset.role, { role: select.value }, user => `${user.email} is now ${user.role}.`);
  });
  list.addEventListener('click', async event => {
    const button = event.target.closest('button[data-disable], button[data-enable]');
    if (!button) return;
    const disable = button.dataset.disable !== undefined;
    const userId = disable ? button.dataset.disable : button.dataset.enable;
    const email = button.closest('tr').dataset.userEmail;
    if (disable && await ask(`Disable ${email}? They are logged out and cannot log in until enabled again.`,
      { confirm: 'Disable', comment: false }) === null) return;
    button.disabled = true;
    await change(userId, { disabled: disable }, user => `${user.email} ${user.disabled ? 'disabled' : 'enabled'}.`);
  });
  const form = main.querySelector('#invite-form');
  form.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const user = (await api('/users', { method: 'POST', body: { email: form.email.value, role: form.role.value,
        password: form.password.value, displayName: form.displayName.value || undefined } })).data;
      status(`${user.email} invited as ${user.role}: pass the first password on to them.`);
      form.reset();
      clearProblems(form);
      await load();
    } catch (error) {
      showProblems(form, error);
    }
  });
  await load();
}
