import { login } from '../api.js';
import { escape } from '../format.js';

export function loginPage(main, params) {
  const notice = params.get('expired') ? '<p class="error" id="login-notice">Your session has expired. Please log in again.</p>' : '';
  main.innerHTML = `
    <form class="login" id="login-form">
      <h1>Log in to Plantline</h1>
      ${notice}
      <label>E-mail <input id="email" name="email" type="email" autocomplete="username" required></label>
      <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
      <button class="primary" id="login-button" type="submit">Log in</button>
      <p class="error" id="login-error" role="alert"></p>
    </form>`;
  const form = main.querySelector('#login-form');
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const button = form.querySelector('#login-button');
    button.disabled = true;
    button.textContent = 'Logging in…';
    try {
      await login(form.email.value, form.password.value);
      // A page's link opened before logging in (an alert's, from a mail) is shown once logged in.
      const asked = /^#\/(login)?(\?.*)?$/.test(location.hash) || location.hash === '' ? '#/overview' : location.hash;
      if (asked === location.hash) {
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } else {
        location.hash = asked;
      }
    } catch (error) {
      form.querySelector('#login-error').innerHTML = escape(error.status === 401
        ? 'The e-mail or password is not right.' : `Could not log in: ${error.message}`);
      button.disabled = false;
      button.textContent = 'Log in';
    }
  });
  form.email.focus();
}
