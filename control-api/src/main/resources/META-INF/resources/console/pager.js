// A list's pager: Previous and Next around "page p of n (total things)", with the ids <name>-previous, <name>-next
// and <name>-page.
import { count } from './format.js';

export function pager(name, page, total, pageSize, one, many) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return `<p class="pager"><button type="button" id="${name}-previous" ${page <= 1 ? 'disabled' : ''}>Previous</button>
    <span id="${name}-page">page ${page} of ${pages} (${count(total, one, many)})</span>
    <button type="button" id="${name}-next" ${page >= pages ? 'disabled' : ''}>Next</button></p>`;
}

/** Calls {@code go} with -1 or +1 when the pager drawn into {@code root} is clicked. */
export function onPager(root, name, go) {
  root.querySelector(`#${name}-previous`)?.addEventListener('click', () => go(-1));
  root.querySelector(`#${name}-next`)?.addEventListener('click', () => go(1));
}
