/**
 * The webhook's request signature: `X-Vigil-Timestamp: <unix seconds>` and
 * `X-Vigil-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, body as sent (bytes of
 * its UTF-8). Receivers verify with `verifySignature` (or the snippet in docs/alerts.md).
 */
import * as crypto from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Vigil-Timestamp';
export const SIGNATURE_HEADER = 'X-Vigil-Signature';
/** Signatures older (or newer) than this are refused by `verifySignature` by default. */
export const DEFAULT_TOLERANCE_S = 300;

/** The string that is signed: `<timestamp>.<body>`. */
export function signedString(timestamp: number | string, body: string): string {
  return `${timestamp}.${body}`;
}

/** `sha256=<hex>` for `X-Vigil-Signature`. */
export function signBody(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(signedString(timestamp, body), 'utf8').digest('hex')}`;
}

export interface VerifyOptions {
  /** Accepted clock difference in seconds (default 300). */
  readonly toleranceS?: number;
  /** Unix seconds now (tests). */
  readonly nowS?: number;
}

/**
 * Whether `signature` (the `X-Vigil-Signature` value) is the signature of `body` at `timestamp` (the
 * `X-Vigil-Timestamp` value) with `secret`, and the timestamp is within the tolerance. Constant time.
 */
export function verifySignature(secret: string, timestamp: string | undefined, signature: string | undefined, body: string, opts: VerifyOptions = {}): boolean {
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false;
  const now = opts.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceS ?? DEFAULT_TOLERANCE_S)) return false;
  const expected = Buffer.from(signBody(secret, timestamp, body));
  const got = Buffer.from(signature);
  return got.length === expected.length && crypto.timingSafeEqual(got, expected);
}
