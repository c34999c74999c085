/** `ProcessControl` over this daemon's control facade (a plugin acting on its own node). */
import type { Control } from '../control/control';
import type { JsonValue } from '../events/pipeline-event';
import type { ProcessControl } from './api';

function struct(info: object): Readonly<Record<string, JsonValue>> {
  return { ...(info as Record<string, JsonValue>) };
}

export function localControl(control: Control): ProcessControl {
  return {
    async startProcess(namespec) { await control.startProcess(namespec, true); },
    async stopProcess(namespec) { await control.stopProcess(namespec, true); },
    async restartProcess(namespec) {
      const state = control.processInfo(namespec).statename;
      // Only what runs is stopped first, as supervisorctl's restart does.
      if (state === 'RUNNING' || state === 'STARTING' || state === 'BACKOFF') await control.stopProcess(namespec, true);
      await control.startProcess(namespec, true);
    },
    async signalProcess(namespec, signal) { await control.signalProcess(namespec, signal); },
    async processInfo(namespec) { return struct(control.processInfo(namespec)); },
    async allProcessInfo() { return control.allProcessInfo().map(struct); },
  };
}

/** The operations a remote node may be asked for over its command queue, by name. */
export async function runControlCommand(control: ProcessControl, op: string, args: readonly JsonValue[]): Promise<JsonValue> {
  const ns = String(args[0] ?? '');
  switch (op) {
    case 'startProcess': await control.startProcess(ns); return true;
    case 'stopProcess': await control.stopProcess(ns); return true;
    case 'restartProcess': await control.restartProcess(ns); return true;
    case 'signalProcess': await control.signalProcess(ns, String(args[1] ?? '')); return true;
    case 'processInfo': return { ...(await control.processInfo(ns)) };
    case 'allProcessInfo': return (await control.allProcessInfo()).map((p) => ({ ...p }));
    default: throw new Error(`unknown control command ${op}`);
  }
}
