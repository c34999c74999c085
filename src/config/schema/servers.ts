/**
 * `[unix_http_server]`, `[inet_http_server]`, `[supervisorctl]` and `[rpcinterface:x]` (reference
 * §1.11). `section` scope is `ENV_*`; `extended` adds `here`.
 */
import * as c from '../converters';
import { f, table } from './field';

const AUTH = {
  username: f(c.string, null, 'user name for HTTP basic auth', { sample: 'user' }),
  password: f(c.string, null, 'password, or {SHA} followed by the hex SHA-1 of it', { sample: '123' }),
};

export const UNIX_HTTP_SERVER = table({
  file: f(c.string, null, 'socket path (required)', { scope: 'extended', sample: '/tmp/vigil.sock' }),
  chmod: f(
    c.withMessage(c.octal, (v) => `Invalid chmod value ${v}`),
    '0700',
    'socket file mode',
  ),
  chown: f(
    c.withMessage(c.userGroup, (v) => `Invalid sockchown value ${v}`),
    null,
    'socket owner: user or user:group',
    { sample: 'nobody:nogroup' },
  ),
  ...AUTH,
});

export const INET_HTTP_SERVER = table({
  port: f(c.inetAddress, null, 'host:port to listen on (required); *:port or :port = all interfaces', {
    sample: '127.0.0.1:9001',
  }),
  ...AUTH,
});

export const SUPERVISORCTL = table({
  serverurl: f(c.string, 'http://localhost:9001', 'unix:///path or http://host:port of the daemon', {
    scope: 'extended',
    sample: 'unix:///tmp/vigil.sock',
  }),
  ...AUTH,
  prompt: f(c.string, 'supervisor', 'interactive prompt'),
  history_file: f(c.string, null, 'readline history file', { scope: 'extended', sample: '~/.sc_history' }),
});

export const RPC_FACTORY_OPTION = 'supervisor.rpcinterface_factory';
export const DEFAULT_RPC_FACTORY = 'supervisor.rpcinterface:make_main_rpcinterface';

export const RPCINTERFACE = table({
  [RPC_FACTORY_OPTION]: f(c.string, null, 'module:callable making the namespace (required)', {
    sample: DEFAULT_RPC_FACTORY,
  }),
} as const);
