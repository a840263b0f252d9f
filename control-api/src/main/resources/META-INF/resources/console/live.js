// The live socket of a page: alerts and OTA steps of the organisation, and the channels it subscribes to. It renews
// its access token on the open socket before the token expires, reconnects with backoff after a drop (a socket
// closed for its token is reconnected with a renewed one), and says in the header whether the page is live.
import { ApiError, renewedToken, session } from './api.js';
import { timeOfDay } from './format.js';

const POLICY_VIOLATION = 1008;
const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30_000;
/** The token is renewed when this share of its life has passed, leaving the rest for a slow refresh. */
const RENEW_AT = 0.75;

/**
 * Opens the socket; {@code onMessage} gets each message, including every {@code authenticated} (after each
 * reconnection, when a page should reload what it may have missed). The answer's {@code close()} ends it.
 */
export function liveSocket(onMessage, channels = []) {
  let socket = null;
  let ended = false;
  let retries = 0;
  let lastUpdate = null;
  let renewal = null;
  let retry = null;

  const connect = () => {
    const protocol = location.protocol === 'https:' ? 'wss' : 'ws';
    const current = new WebSocket(`${protocol}://${location.host}/api/v1/ws`);
    socket = current;
    current.addEventListener('open', () => {
      current.send(JSON.stringify({ token: session()?.accessToken }));
      channels.forEach(channel => current.send(JSON.stringify({ subscribe: channel })));
    });
    current.addEventListener('message', event => {
      const message = JSON.parse(event.data);
      lastUpdate = Date.now();
      if (message.type === 'authenticated') {
        retries = 0;
        clearTimeout(renewal);
        renewal = setTimeout(() => renew(current), renewIn(session()?.accessToken));
      }
      indicate('live', lastUpdate);
      onMessage(message);
    });
    current.addEventListener('close', event => {
      if (ended || current !== socket) return;
      clearTimeout(renewal);
      indicate('reconnecting', lastUpdate);
      reconnect(event.code === POLICY_VIOLATION);
    });
  };

  // The renewed token goes on the open socket; the server answers 'authenticated' again, which plans the next renewal.
  const renew = async current => {
    try {
      const token = await renewedToken();
      if (current.readyState === WebSocket.OPEN) current.send(JSON.stringify({ token }));
    } catch (error) {
      // Unreachable: the socket drops too and reconnects; refused: the session has ended and the page goes to login.
    }
  };

  const reconnect = refused => {
    const delay = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** retries) * (0.75 + Math.random() / 2);
    retries++;
    retry = setTimeout(async () => {
      if (ended) return;
      if (refused) {
        try {
          await renewedToken();
        } catch (error) {
          // Refused: the session has ended; unreachable: try again later.
          if (!(error instanceof ApiError)) reconnect(true);
          return;
        }
      }
      connect();
    }, delay);
  };

  connect();
  return {
    close() {
      ended = true;
      clearTimeout(renewal);
      clearTimeout(retry);
      socket.close();
      indicate(null);
    }
  };
}

/** When to renew a token: after RENEW_AT of its life, read from its own claims (issued and expiry times). */
function renewIn(token) {
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return Math.max(1000, (claims.exp - claims.iat) * 1000 * RENEW_AT);
  } catch (error) {
    return 60_000;
  }
}

/** The header's word on the page's liveness: live, or reconnecting since the last update; nothing off live pages. */
function indicate(state, lastUpdate) {
  const element = document.getElementById('live');
  if (!element) return;
  element.hidden = state === null;
  element.className = `live ${state ? `is-${state}` : ''}`;
  element.textContent = state === 'live' ? 'live'
    : state === 'reconnecting' ? `reconnecting… last updated at ${timeOfDay(lastUpdate)}` : '';
}
