/**
 * `vigil.*`: what Vigil adds beside supervisor's API. Read-only methods here work in any daemon mood.
 */
import type { Control } from '../control/control';
import type { ListenerPoolStats } from '../events/listener-stats';
import { RpcFault, type RpcNamespace } from './rpc-method';
import type { XmlRpcValue } from './xmlrpc';

export function createVigilNamespace(control: Control): RpcNamespace {
  return {
    getListenerPools: {
      help: `Describe every eventlistener pool: its events, buffer and counters (accepted,
processed, rejected, dropped on overflow, redelivered, protocol errors, the last protocol
error) and each listener's state and the serial of the event it holds (-1 for none).

@return array result An array of pool structs`,
      call: () => control.listenerPools().map(poolStruct),
    },
    getPipelineStatus: {
      help: `Describe the event pipeline: backend (embedded or redis), node, boot id, the
journal (size, cap, full, refused) and, with Redis, the connection and spool.

@return struct result The pipeline status`,
      call: async () => (await control.pipeline.status()) as XmlRpcValue,
    },
    getPluginStatus: {
      help: `Per plugin: delivered, retrying, failed attempts, dead-lettered, duplicates
skipped, the last error and when it happened, where it runs.

@return array result An array of plugin structs`,
      call: async () => (await control.pipeline.plugins()).map((p) => ({ ...p })),
    },
    listDeadLetters: {
      help: `List dead letters (events a plugin gave up on, with the last error), oldest
first; an empty plugin name lists every plugin's.

@param string plugin Plugin name, or ""
@return array result An array of dead letter structs`,
      call: async ([plugin]) => {
        const name = requireString(plugin);
        return (await control.pipeline.deadLetters(name === '' ? undefined : name)).map((l) => ({ ...l }) as XmlRpcValue);
      },
    },
    retryDeadLetter: {
      help: `Put a dead letter back into its plugin's queue (id "all" for every one of the plugin).

@param string plugin Plugin name
@param string id Event id, or "all"
@return int result How many were put back`,
      call: async ([plugin, id]) => control.pipeline.retryDeadLetters(requireString(plugin), requireString(id)),
    },
    dropDeadLetter: {
      help: `Delete a dead letter for good (id "all" for every one of the plugin).

@param string plugin Plugin name
@param string id Event id, or "all"
@return int result How many were dropped`,
      call: async ([plugin, id]) => control.pipeline.dropDeadLetters(requireString(plugin), requireString(id)),
    },
  };
}

function requireString(v: XmlRpcValue | undefined): string {
  if (typeof v !== 'string') throw new RpcFault('INCORRECT_PARAMETERS');
  return v;
}

function poolStruct(p: ListenerPoolStats): XmlRpcValue {
  return {
    pool: p.pool,
    events: [...p.events],
    buffer_size: p.bufferSize,
    buffered: p.buffered,
    accepted: p.accepted,
    processed: p.processed,
    rejected: p.rejected,
    dropped: p.dropped,
    redelivered: p.redelivered,
    protocol_errors: p.protocolErrors,
    last_protocol_error: p.lastProtocolError,
    listeners: p.listeners.map((l) => ({
      name: l.name,
      listener_state: l.listenerState,
      process_state: l.processState,
      in_flight_serial: l.inFlightSerial,
    })),
  };
}
