// The API as the console uses it: the session (tokens in sessionStorage), requests with the bearer token, one
// refresh with the refresh token when the access token has expired.
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

function request(path, { method = 'GET', body, token, accept = 'application/json' } = {}) {
  const headers = { 'Accept': accept };
  // A form (a firmware upload) goes as multipart, with the boundary the browser sets; anything else as JSON.
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  if (token) headers['Authorization'] = `Bearer ${token}`;
  return fetch(`/api/v1${path}`, { method, headers,
    body: body === undefined || form ? body : JSON.stringify(body) });
}

async function refused(response) {
  const text = await response.text();
  return new ApiError(response.status, text ? JSON.parse(text).error : undefined);
}

async function send(path, options) {
  const response = await request(path, options);
  if (!response.ok) throw await refused(response);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** A file the API answers: its name (from Content-Disposition) and its content. */
async function receive(path, options) {
  const response = await request(path, { ...options, accept: '*/*' });
  if (!response.ok) throw await refused(response);
  const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? 'download';
  return { name, blob: await response.blob() };
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
export function api(path, options = {}) {
  return authorised(send, path, options);
}

/** A file (a report) as the logged-in user: {name, blob}. */
export function file(path) {
  return authorised(receive, path, {});
}

async function authorised(sender, path, options) {
  const current = session();
  if (!current) throw new ApiError(401, { code: 'session_expired', message: 'please log in' });
  try {
    return await sender(path, { ...options, token: current.accessToken });
  } catch (error) {
    if (error.status !== 401) throw error;
    return sender(path, { ...options, token: await renewedToken() });
  }
}

/**
 * A new access token from the refresh token. A refused refresh ends the session ('session-expired'); an unreachable
 * server does not (the error is thrown, the session kept for the next try).
 */
export async function renewedToken() {
  try {
    await refresh();
  } catch (refused) {
    if (refused instanceof ApiError) {
      forget();
      window.dispatchEvent(new CustomEvent('session-expired'));
    }
    throw refused;
  }
  return session().accessToken;
}

/** Every item of a list, page by page of the API's largest page (a list is never cut silently). */
export async function every(path) {
  const PAGE_SIZE = 500;
  const separator = path.includes('?') ? '&' : '?';
  const first = await api(`${path}${separator}page=1&pageSize=${PAGE_SIZE}`);
  const pages = Math.ceil(first.pagination.total / PAGE_SIZE);
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) },
    (_, index) => api(`${path}${separator}page=${index + 2}&pageSize=${PAGE_SIZE}`)));
  return [first, ...rest].flatMap(answer => answer.data);
}
