// The console's shell: the router (#/login, #/overview, #/alerts, #/alerts/{id}, #/oee, #/shift/{groupId}, …), the header (admin pages
// offered to admins only), and the session's end.
import { api, logout, session } from './api.js';
import { useTimeZone } from './format.js';
import { role } from './session.js';
import { status } from './status.js';
import { loginPage } from './pages/login.js';
import { overviewPage } from './pages/overview.js';
import { alertsPage } from './pages/alerts.js';
import { oeePage } from './pages/oee.js';
import { shiftPage } from './pages/shift.js';
import { devicesPage } from './pages/devices.js';
import { rulesPage } from './pages/rules.js';
import { rolloutsPage } from './pages/rollouts.js';
import { reportsPage } from './pages/reports.js';
import { notificationsPage } from './pages/notifications.js';
import { usersPage } from './pages/users.js';

const PAGES = { overview: overviewPage, alerts: alertsPage, oee: oeePage, shift: shiftPage, devices: devicesPage, rules: rulesPage,
  rollouts: rolloutsPage, reports: reportsPage, notifications: notificationsPage, users: usersPage };
const main = document.getElementById('page');
let leave = () => {};
let navigation = 0;

async function route() {
  leave();
  leave = () => {};
  const mine = ++navigation;
  status('');
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, ...rest] = path.split('/');
  const item = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  const signedIn = session() !== null;
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('who').hidden = !signedIn;
  if (!signedIn || name === 'login') {
    const view = document.createElement('div');
    main.replaceChildren(view);
    loginPage(view, new URLSearchParams(query ?? ''));
    return;
  }
  const page = PAGES[name] ?? overviewPage;
  document.querySelectorAll('#nav a').forEach(link => link.classList.toggle('current', link.dataset.page === (PAGES[name] ? name : 'overview')));
  document.querySelectorAll('#nav a[data-role]').forEach(link => { link.hidden = link.dataset.role !== role(); });
  document.getElementById('who-name').textContent = `${session().user.email} (${role()})`;
  // Each page draws into a view of its own: one still loading when the user moves on draws into a detached view.
  const view = document.createElement('div');
  view.innerHTML = '<p class="busy">Loading…</p>';
  main.replaceChildren(view);
  try {
    const organisation = (await api('/organisation')).data;
    useTimeZone(organisation.timeZone);
    const cleanUp = (await page(view, organisation, item, new URLSearchParams(query ?? ''))) ?? (() => {});
    if (mine === navigation) {
      leave = cleanUp;
    } else {
      cleanUp();
    }
  } catch (error) {
    if (mine === navigation && error.code !== 'session_expired' && error.status !== 401) {
      view.innerHTML = '';
      status(`Could not load the page: ${error.message}. Reload to try again.`, true);
    }
  }
}

window.addEventListener('session-expired', () => {
  location.hash = '#/login?expired=1';
});
document.getElementById('logout').addEventListener('click', async () => {
  await logout();
  location.hash = '#/login';
});
window.addEventListener('hashchange', route);
route();
