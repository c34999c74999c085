/**
 * Steps for the eventlistener compatibility scenario (listeners.test.ts): py/recording_listener.py
 * (a `supervisor.childutils` listener) appends one JSON line per delivered event to
 * `<run dir>/<pool>.jsonl`; these steps wait (with deadlines) until a pool has recorded the events a
 * step must produce and turn each into one record, normalised so that two daemons can be compared:
 *
 *   <header line as read, serial/poolserial relative to the previous event, len checked>
 *   <payload as a JSON string, pid:N → pid:<PID>>
 *   <OK|FAIL> by <SUPERVISOR_PROCESS_NAME>[, childutils parse error]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PY_DIR, SYS_PYTHON, pollUntil, type Expect, type Recorded } from './compat-env';
import type { Step } from './compat-harness';
import type { DaemonRun } from './daemon-run';

export const LISTENER_SCRIPT = path.join(PY_DIR, 'recording_listener.py');
/** `identifier` of both daemons (the default). */
export const SERVER_ID = 'supervisor';

/** One line written by recording_listener.py. */
export interface EventRecord {
  raw: string;
  headers: Record<string, string>;
  payload: string;
  parsed: string;
  proc: string;
  result: string;
}

/** `command=` of a recording listener writing `<dir>/<pool>.jsonl`. */
export function listenerCommand(dir: string, pool: string, flags = ''): string {
  return `${SYS_PYTHON} ${LISTENER_SCRIPT} ${path.join(dir, `${pool}.jsonl`)}${flags === '' ? '' : ` ${flags}`}`;
}

/** Reading position in one pool's record file, per daemon run. */
interface Cursor { next: number; prev: EventRecord | undefined }

const cursors = new WeakMap<DaemonRun, Map<string, Cursor>>();

function cursorOf(d: DaemonRun, pool: string): Cursor {
  let m = cursors.get(d);
  if (m === undefined) { m = new Map(); cursors.set(d, m); }
  let c = m.get(pool);
  if (c === undefined) { c = { next: 0, prev: undefined }; m.set(pool, c); }
  return c;
}

/** Every complete record a pool has written so far (a line being written is left for later). */
export function readRecords(d: DaemonRun, pool: string): EventRecord[] {
  let text: string;
  try { text = fs.readFileSync(path.join(d.dir, `${pool}.jsonl`), 'utf8'); } catch { return []; }
  const lines = text.split('\n');
  lines.pop();
  return lines.map((l) => {
    try { return JSON.parse(l) as EventRecord; } catch { return { raw: `(unparsable record line) ${l}`, headers: {}, payload: '', parsed: '', proc: '', result: '' }; }
  });
}

/** Characters (code points) — `len` counts Python str characters. */
function charLen(s: string): number {
  return [...s].length;
}

export function normalisePayload(payload: string): string {
  return payload.replace(/\bpid:[1-9]\d*/g, 'pid:<PID>');
}

/**
 * The header line as read with what differs between runs made relative: `serial` must grow (or stay for a
 * redelivery), `poolserial` must be the previous + 1 (or the same for a redelivery); the first event
 * shows both raw. `len` must be the length of the payload as received.
 */
export function renderHeader(e: EventRecord, prev: EventRecord | undefined, mode: 'sequence' | 'pool'): string {
  return e.raw.split(' ').map((tok) => {
    const at = tok.indexOf(':');
    const key = at < 0 ? tok : tok.slice(0, at);
    const value = at < 0 ? '' : tok.slice(at + 1);
    const n = Number(value);
    if (key === 'len') return charLen(e.payload) === n && value !== '' ? 'len:<ok>' : `len:${value}(received ${charLen(e.payload)} chars)`;
    if (key === 'serial' || key === 'poolserial') {
      if (!/^\d+$/.test(value)) return tok;
      if (mode === 'pool') return key === 'serial' ? 'serial:<S>' : tok;
      if (prev === undefined) return tok;
      const p = Number(prev.headers[key]);
      if (n === p) return `${key}:<same>`;
      if (key === 'poolserial') return n === p + 1 ? 'poolserial:<+1>' : `poolserial:<+${n - p}>`;
      return n > p ? 'serial:<up>' : `serial:<down ${n - p}>`;
    }
    return tok;
  }).join(' ');
}

export function renderEvent(e: EventRecord, prev: EventRecord | undefined, mode: 'sequence' | 'pool', procLabel = e.proc): string {
  const parsed = e.parsed === 'ok' ? '' : `, childutils: ${e.parsed}`;
  return `${renderHeader(e, prev, mode)}\n${JSON.stringify(normalisePayload(e.payload))}\n${e.result} by ${procLabel}${parsed}\n`;
}

/** What the reference says one delivery looks like (rendered like `renderEvent`). */
export interface EventSpec {
  name: string;
  payload: string;
  result?: 'OK' | 'FAIL';
  /** For the first event of a sequence: the raw `serial:N poolserial:M`. */
  serials?: string;
  /** For `poolEventsStep`: the raw poolserial (acceptance order, deterministic). */
  poolserial?: number;
  /** The previous delivery was this same event (FAIL → redelivery). */
  redelivery?: boolean;
}

export function expectEvent(pool: string, proc: string, s: EventSpec): Expect {
  const serials = s.serials ?? (s.redelivery === true ? 'serial:<same> poolserial:<same>' : 'serial:<up> poolserial:<+1>');
  const [serial, poolserial] = serials.split(' ');
  const header = `ver:3.0 server:${SERVER_ID} ${serial} pool:${pool} ${poolserial} eventname:${s.name} len:<ok>`;
  return { rc: 0, out: `${header}\n${JSON.stringify(s.payload)}\n${s.result ?? 'OK'} by ${proc}\n` };
}

/**
 * Custom step: wait (deadline `timeoutMs`) until `pool` has recorded `specs.length` more events, then
 * record each of them. Missing events are recorded as timed out; surplus ones show up in the next step.
 */
export function eventsStep(label: string, pool: string, proc: string, specs: EventSpec[], timeoutMs = 10_000): Step {
  return {
    kind: 'custom',
    label,
    expect: specs.map((s) => expectEvent(pool, proc, s)),
    run: async (d) => {
      const c = cursorOf(d, pool);
      const want = c.next + specs.length;
      await pollUntil(() => readRecords(d, pool).length >= want, timeoutMs, 25);
      const recs = readRecords(d, pool).slice(c.next, want);
      const out: Recorded[] = [];
      specs.forEach((s, i) => {
        const e = recs[i];
        const l = `${label}: event ${i + 1}/${specs.length} (${s.name})`;
        if (e === undefined) {
          out.push({ label: l, stdout: '', stderr: '', rc: `not delivered within ${timeoutMs} ms` });
          return;
        }
        out.push({ label: l, stdout: renderEvent(e, c.prev, 'sequence'), stderr: '', rc: 0 });
        c.prev = e;
      });
      c.next += recs.length;
      return out;
    },
  };
}

/** Custom step: record whatever `pool` delivered beyond the events the steps consumed (expected: none). */
export function noMoreEventsStep(pool: string): Step {
  return {
    kind: 'custom',
    label: `no further ${pool} events`,
    expect: [{ rc: 0, out: '' }],
    run: async (d) => {
      const c = cursorOf(d, pool);
      const extra = readRecords(d, pool).slice(c.next);
      const text = extra.map((e) => renderEvent(e, undefined, 'pool')).join('');
      return [{ label: `${pool} events after the last expected one`, stdout: text, stderr: '', rc: 0 }];
    },
  };
}

/**
 * Custom step for a pool of several processes: wait until it has recorded `specs.length` events,
 * then record them sorted (which process got which, and in what order across processes, is
 * timing-dependent in supervisord too). Each event must be delivered exactly once: duplicates show
 * as repeated lines, the count line shows missing or surplus ones. Every delivering process must be
 * one of `procs`.
 */
export function poolEventsStep(label: string, pool: string, procs: string[], specs: EventSpec[], timeoutMs = 10_000): Step {
  const render = (header: string, payload: string, result: string, who: string): string => `${header}\n${JSON.stringify(payload)}\n${result} by ${who}\n`;
  const whoLabel = `one of ${procs.join('|')}`;
  const wanted = specs.map((s) => render(
    `ver:3.0 server:${SERVER_ID} serial:<S> pool:${pool} poolserial:${s.poolserial ?? '?'} eventname:${s.name} len:<ok>`,
    s.payload, s.result ?? 'OK', whoLabel,
  )).sort();
  return {
    kind: 'custom',
    label,
    expect: [{ rc: 0, out: `${specs.length} deliveries\n${wanted.join('')}` }],
    run: async (d) => {
      await pollUntil(() => readRecords(d, pool).length >= specs.length, timeoutMs, 25);
      const recs = readRecords(d, pool);
      const lines = recs.map((e) => {
        const who = procs.includes(e.proc) ? whoLabel : e.proc;
        return render(renderHeader(e, undefined, 'pool'), normalisePayload(e.payload), e.result, who) + (e.parsed === 'ok' ? '' : `childutils: ${e.parsed}\n`);
      }).sort();
      if (process.env.VIGIL_COMPAT_DUMP !== undefined) {
        const byProc = procs.map((p) => `${p}: ${recs.filter((e) => e.proc === p).length}`).join(', ');
        process.stderr.write(`[${d.kind}] ${pool} deliveries per process (not compared): ${byProc}\n`);
      }
      return [{ label: `${label} (sorted)`, stdout: `${recs.length} deliveries\n${lines.join('')}`, stderr: '', rc: 0 }];
    },
  };
}

/**
 * Custom step for a TICK_5 listener: wait until it has recorded one tick, then record whether every
 * tick so far is well-formed: `when:` a multiple of 5, not in the future, not before the daemon
 * could have started, growing by multiples of 5.
 */
export function tickStep(pool: string, proc: string, timeoutMs = 8000): Step {
  return {
    kind: 'custom',
    label: `${pool}: TICK_5`,
    expect: [{ rc: 0, out: `ver:3.0 server:${SERVER_ID} serial:<S> pool:${pool} poolserial:0 eventname:TICK_5 len:<ok>\n"when:<a multiple of 5, in this run>"\nOK by ${proc}\nlater ticks: well-formed\n` }],
    run: async (d) => {
      await pollUntil(() => readRecords(d, pool).length >= 1, timeoutMs, 50);
      const recs = readRecords(d, pool);
      const now = Date.now() / 1000;
      const start = (d.notes.get(T0) ?? 0) / 1000;
      const whenOf = (e: EventRecord): number => { const m = /^when:(\d+)$/.exec(e.payload); return m === null ? NaN : Number(m[1]); };
      const goodWhen = (w: number): boolean => Number.isInteger(w) && w % 5 === 0 && w <= now && w >= start - 5;
      const first = recs[0];
      if (first === undefined) return [{ label: `${pool}: first TICK_5`, stdout: '', stderr: '', rc: `no tick within ${timeoutMs} ms` }];
      const w0 = whenOf(first);
      const payload = goodWhen(w0) ? 'when:<a multiple of 5, in this run>' : first.payload;
      let later = 'well-formed';
      recs.slice(1).forEach((e, i) => {
        const w = whenOf(e);
        const prevW = whenOf(recs[i] as EventRecord);
        if (e.headers.eventname !== 'TICK_5' || !goodWhen(w) || w <= prevW || e.result !== 'OK' || charLen(e.payload) !== Number(e.headers.len)) later = `bad: ${JSON.stringify(e)}`;
      });
      const header = renderHeader(first, undefined, 'pool');
      return [{ label: `${pool}: first TICK_5`, stdout: `${header}\n${JSON.stringify(payload)}\n${first.result} by ${first.proc}\nlater ticks: ${later}\n`, stderr: '', rc: 0 }];
    },
  };
}

const T0 = 'listener-test-t0';

/** One-shot step: remember when the daemon was found ready (for `tickStep`). */
export function markStartStep(): Step {
  return { kind: 'wait', what: 'note the start time', timeoutMs: 1000, check: async (d) => { d.notes.set(T0, Date.now()); return true; } };
}

/** One-shot step: create `<run dir>/<name>` (the test programs wait for such files). */
export function touchStep(name: string): Step {
  return {
    kind: 'wait',
    what: `create ${name}`,
    timeoutMs: 1000,
    check: async (d) => { fs.writeFileSync(path.join(d.dir, name), ''); return true; },
  };
}

function xmlString(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Custom step: `supervisor.sendRemoteCommEvent(type, data)` over XML-RPC; records the result value. */
export function remoteCommStep(type: string, data: string): Step {
  const label = `rpc supervisor.sendRemoteCommEvent(${JSON.stringify(type)}, ${JSON.stringify(data)})`;
  return {
    kind: 'custom',
    label,
    expect: [{ rc: 0, out: 'True\n' }],
    run: async (d) => {
      try {
        const r = await d.rpc('supervisor.sendRemoteCommEvent',
          `<param><value><string>${xmlString(type)}</string></value></param>\n<param><value><string>${xmlString(data)}</string></value></param>\n`);
        const m = /<methodResponse>\s*<params>\s*<param>\s*<value>\s*<boolean>([01])<\/boolean>/.exec(r.body);
        if (r.status === 200 && m !== null) return [{ label, stdout: m[1] === '1' ? 'True\n' : 'False\n', stderr: '', rc: 0 }];
        return [{ label, stdout: `HTTP ${r.status}\n${r.body}`, stderr: '', rc: 0 }];
      } catch (e) {
        return [{ label, stdout: '', stderr: String(e), rc: 'request failed' }];
      }
    },
  };
}
