// What the pages ask of the signed-in user: the role, and so what the page offers them.
import { session } from './api.js';

/** The signed-in user's role: viewer, operator or admin. */
export function role() {
  return session()?.user?.role ?? 'viewer';
}

export function canOperate() {
  return role() === 'operator' || role() === 'admin';
}
