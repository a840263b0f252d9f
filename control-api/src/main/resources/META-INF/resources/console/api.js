// The API as the console uses it: the session (tokens in sessionStorage), requests with the bearer token, one
// refresh with the refresh token when the access token has expired, and the live socket.
const SESSION = 'plantline.session';

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code;
    this.details = error?.details ?? [];
  }
}

export function session() {
  const stored = sessionStorage.getItem(SESSION);
  return stored ? JSON.parse(stored) : null;
}

function keep(tokens) {
  sessionStorage.setItem(SESSION, JSON.stringify({
    accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, user: tokens.user
  }));
}

export function forget() {
  sessionStorage.removeItem(SESSION);
}

async function send(path, { method = 'GET', body, token } = {}) {
  const headers = { 'Accept': 'application/json' };
  // A form (a firmware upload) goes as multipart, with the boundary the browser sets; anything else as JSON.
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  if (token) headers['Authorization'] = `Bearer ${token}`;
  const response = await fetch(`/api/v1${path}`, { method, headers,
    body: body === undefined || form ? body : JSON.stringify(body) });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json?.error);
  return json;
}

export async function login(email, password) {
  keep((await send('/auth/login', { method: 'POST', body: { email, password } })).data);
}

export async function logout() {
  const current = session();
  forget();
  if (current) await send('/auth/logout', { method: 'POST', body: { refreshToken: current.refreshToken } }).catch(() => {});
}

let refreshing = null;

async function refresh() {
  const current = session();
  if (!current) throw new ApiError(401, { message: 'not logged in' });
  refreshing ??= send('/auth/refresh', { method: 'POST', body: { refreshToken: current.refreshToken } })
    .then(answer => keep(answer.data))
    .finally(() => { refreshing = null; });
  return refreshing;
}

/** A request as the logged-in user; an expired session ends with 'session-expired'. */
export async function api(path, options = {}) {
  const current = session();
  if (!current) throw new ApiError(401, { code: 'session_expired', message: 'please log in' });
  try {
    return await send(path, { ...options, token: current.accessToken });
  } catch (error) {
    if (error.status !== 401) throw error;
    try {
      await refresh();
    } catch (refused) {
      forget();
      window.dispatchEvent(new CustomEvent('session-expired'));
      throw refused;
    }
    return send(path, { ...options, token: session().accessToken });
  }
}

/** The live socket: alerts and OTA steps of the organisation, and the channels subscribed to. */
export function liveSocket(onMessage, channels = []) {
  const protocol = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${protocol}://${location.host}/api/v1/ws`);
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ token: session()?.accessToken }));
    channels.forEach(channel => socket.send(JSON.stringify({ subscribe: channel })));
  });
  socket.addEventListener('message', event => onMessage(JSON.parse(event.data)));
  return socket;
}
