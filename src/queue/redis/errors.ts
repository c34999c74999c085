/**
 * Errors of the Redis backend. Callers branch on `code`, never on the message.
 */
import { VigilError } from '../../core/errors';

/** `[events] queue` is not a usable redis:// URL (the message never contains the password). */
export class RedisUrlError extends VigilError {
  constructor(message: string) {
    super('REDIS_URL_INVALID', message);
  }
}

/** The Redis server is older than Vigil needs (6.2). */
export class RedisVersionError extends VigilError {
  readonly version: string;
  constructor(version: string, minimum: string) {
    super('REDIS_VERSION', `Redis ${version} is too old: Vigil needs Redis ${minimum} or newer`);
    this.version = version;
  }
}

/** Redis could not be reached, or refused a command Vigil needs. */
export class RedisUnavailableError extends VigilError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('REDIS_UNAVAILABLE', message, options);
  }
}

/** A stored value is not what the store expected (e.g. `increment` on a non-number). */
export class RedisStoreError extends VigilError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STATE_INVALID', message, options);
  }
}

/** A remote command got no answer in time. `started` tells whether the node had taken it. */
export class CommandTimeoutError extends VigilError {
  readonly started: boolean;
  constructor(node: string, op: string, timeoutMs: number, started: boolean) {
    super(
      'COMMAND_TIMEOUT',
      started
        ? `node ${node} took '${op}' but did not answer within ${timeoutMs} ms (it may still complete)`
        : `node ${node} did not take '${op}' within ${timeoutMs} ms (it was not run)`,
    );
    this.started = started;
  }
}

/**
 * A remote command failed on the node: `code` and `message` are the node's own (`BAD_NAME`, `NOT_RUNNING`, ...),
 * `COMMAND_FAILED` when the handler threw something without a code.
 */
export class RemoteCommandError extends VigilError {
  readonly node: string;
  constructor(node: string, code: string, message: string) {
    super(code, message);
    this.node = node;
  }
}
