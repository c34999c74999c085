import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { HttpAuth } from '../config/types';

/** Compare two strings in time independent of where they differ (hashing first evens out lengths). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * HTTP Basic auth as supervisor checks it: the configured password is plain text, or `{SHA}` followed
 * by the hex sha1 of the password. Every comparison is constant-time.
 */
export function isAuthorized(req: IncomingMessage, auth: HttpAuth | null): boolean {
  if (auth === null) return true;
  const header = req.headers.authorization;
  if (header === undefined || !/^basic /i.test(header)) return false;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const userOk = sameSecret(user, auth.username);
  let passwordOk: boolean;
  if (auth.password.startsWith('{SHA}')) {
    const supplied = createHash('sha1').update(password).digest('hex');
    passwordOk = sameSecret(supplied, auth.password.slice(5).toLowerCase());
  } else {
    passwordOk = sameSecret(password, auth.password);
  }
  return userOk && passwordOk;
}
