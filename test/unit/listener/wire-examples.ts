/** The byte-exact envelopes of reference §4.3 (identifier `supervisor`), with the payloads they must parse to. */

export interface WireExample {
  readonly envelope: string;
  readonly eventname: string;
  readonly serial: number;
  readonly poolserial: number;
  readonly len: number;
  readonly payload: Readonly<Record<string, unknown>>;
}

export const WIRE_EXAMPLES: readonly WireExample[] = [
  {
    envelope: 'ver:3.0 server:supervisor serial:21 pool:mylistener poolserial:10 eventname:PROCESS_STATE_RUNNING len:58\nprocessname:web groupname:web from_state:STARTING pid:4242',
    eventname: 'PROCESS_STATE_RUNNING', serial: 21, poolserial: 10, len: 58,
    payload: { processname: 'web', groupname: 'web', from_state: 'STARTING', pid: 4242 },
  },
  {
    envelope: 'ver:3.0 server:supervisor serial:3 pool:mylistener poolserial:3 eventname:PROCESS_STATE_STARTING len:56\nprocessname:cat groupname:cat from_state:STOPPED tries:0',
    eventname: 'PROCESS_STATE_STARTING', serial: 3, poolserial: 3, len: 56,
    payload: { processname: 'cat', groupname: 'cat', from_state: 'STOPPED', tries: 0 },
  },
  {
    envelope: 'ver:3.0 server:supervisor serial:40 pool:mylistener poolserial:12 eventname:PROCESS_STATE_EXITED len:71\nprocessname:api_01 groupname:api from_state:RUNNING expected:0 pid:5150',
    eventname: 'PROCESS_STATE_EXITED', serial: 40, poolserial: 12, len: 71,
    payload: { processname: 'api_01', groupname: 'api', from_state: 'RUNNING', expected: 0, pid: 5150 },
  },
  {
    envelope: 'ver:3.0 server:supervisor serial:41 pool:mylistener poolserial:13 eventname:PROCESS_LOG_STDOUT len:71\nprocessname:web groupname:web pid:4242 channel:stdout\nserving on :8080\n',
    eventname: 'PROCESS_LOG_STDOUT', serial: 41, poolserial: 13, len: 71,
    payload: { processname: 'web', groupname: 'web', pid: 4242, channel: 'stdout', data: 'serving on :8080\n' },
  },
  {
    envelope: 'ver:3.0 server:supervisor serial:42 pool:mylistener poolserial:14 eventname:PROCESS_COMMUNICATION_STDOUT len:55\nprocessname:web groupname:web pid:4242\n{"status": "ok"}',
    eventname: 'PROCESS_COMMUNICATION_STDOUT', serial: 42, poolserial: 14, len: 55,
    payload: { processname: 'web', groupname: 'web', pid: 4242, data: '{"status": "ok"}' },
  },
  {
    envelope: 'ver:3.0 server:supervisor serial:0 pool:mylistener poolserial:0 eventname:PROCESS_GROUP_ADDED len:14\ngroupname:web\n',
    eventname: 'PROCESS_GROUP_ADDED', serial: 0, poolserial: 0, len: 14,
    payload: { groupname: 'web' },
  },
  {
    envelope: 'ver:3.0 server:supervisor serial:50 pool:mylistener poolserial:20 eventname:TICK_5 len:15\nwhen:1700000005',
    eventname: 'TICK_5', serial: 50, poolserial: 20, len: 15,
    payload: { when: 1700000005 },
  },
  {
    envelope: 'ver:3.0 server:supervisor serial:51 pool:mylistener poolserial:21 eventname:REMOTE_COMMUNICATION len:18\ntype:deploy\nv1.2.3',
    eventname: 'REMOTE_COMMUNICATION', serial: 51, poolserial: 21, len: 18,
    payload: { type: 'deploy', data: 'v1.2.3' },
  },
  {
    envelope: 'ver:3.0 server:supervisor serial:7 pool:mylistener poolserial:7 eventname:SUPERVISOR_STATE_CHANGE_RUNNING len:0\n',
    eventname: 'SUPERVISOR_STATE_CHANGE_RUNNING', serial: 7, poolserial: 7, len: 0,
    payload: {},
  },
];

/** The header line and payload text of an envelope. */
export function splitEnvelope(envelope: string): { header: string; payload: string } {
  const nl = envelope.indexOf('\n');
  return { header: envelope.slice(0, nl), payload: envelope.slice(nl + 1) };
}
