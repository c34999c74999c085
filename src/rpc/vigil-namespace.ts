/**
 * `vigil.*`: what Vigil adds beside supervisor's API. Read-only methods here work in any daemon mood.
 */
import type { Control } from '../control/control';
import type { ListenerPoolStats } from '../events/listener-stats';
import type { RpcNamespace } from './rpc-method';
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
  };
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
