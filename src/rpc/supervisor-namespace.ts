/**
 * The `supervisor` XML-RPC namespace (reference §6.3): every method of supervisor 4.2.5's
 * rpcinterface, aliases included, over the control facade.
 */
import type { Control } from '../control/control';
import type { RpcMethod, RpcNamespace } from './rpc-method';
import { daemonMethods } from './supervisor-daemon-methods';
import { logMethods } from './supervisor-log-methods';
import { processMethods } from './supervisor-process-methods';

export { API_VERSION, SUPERVISOR_VERSION } from './supervisor-daemon-methods';

/** Methods supervisor lets through while the daemon is stopping. */
const ANY_MOOD: ReadonlySet<string> = new Set(['sendRemoteCommEvent']);

export function createSupervisorNamespace(control: Control): RpcNamespace {
  const all: Record<string, RpcMethod> = { ...daemonMethods(control), ...processMethods(control), ...logMethods(control) };
  const guarded = new Map<RpcMethod, RpcMethod>();
  const out: Record<string, RpcMethod> = {};
  for (const [name, m] of Object.entries(all)) {
    if (ANY_MOOD.has(name)) {
      out[name] = m;
      continue;
    }
    // The mood is checked before any argument is looked at, as supervisor's `_update` comes first;
    // an alias shares its wrapper so both names stay one method.
    let g = guarded.get(m);
    if (g === undefined) {
      g = {
        ...m,
        call: (args) => {
          control.assertRunning();
          return m.call(args);
        },
      };
      guarded.set(m, g);
    }
    out[name] = g;
  }
  return out;
}
