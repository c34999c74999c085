import { spawn } from 'node:child_process';

/** Set in the environment of the re-spawned daemon so it runs in the background role. */
export const DAEMON_CHILD_ENV = 'VIGILD_DAEMON_CHILD';

export type DaemonChildMessage = { readonly kind: 'ready' } | { readonly kind: 'error'; readonly message: string; readonly exitCode: number };

/**
 * Node cannot fork, so "daemonizing" re-runs this same command detached (new session, stdio on
 * /dev/null) and waits for it to say it is serving, so startup errors still reach the terminal.
 * Resolves with the exit code for the foreground process.
 */
export function daemonize(): Promise<{ exitCode: number; error?: string }> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, [DAEMON_CHILD_ENV]: '1' },
  });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: { exitCode: number; error?: string }): void => {
      if (settled) return;
      settled = true;
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
      resolve(r);
    };
    child.on('message', (m: DaemonChildMessage) => {
      if (m.kind === 'ready') settle({ exitCode: 0 });
      else settle({ exitCode: m.exitCode, error: m.message });
    });
    child.on('exit', (code) => settle({ exitCode: code ?? 1, error: 'the daemon exited during startup' }));
    child.on('error', (e) => settle({ exitCode: 1, error: e.message }));
  });
}

/** In the background daemon: tell the waiting foreground process how startup went. */
export function reportToParent(message: DaemonChildMessage): void {
  if (process.send !== undefined && process.connected) {
    process.send(message);
    process.disconnect();
  }
}
