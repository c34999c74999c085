/**
 * The seams of the event pipeline. The engine's events become PipelineEvents, are appended to the
 * node's journal (always: it is the durable buffer and, with Redis, the spool), and reach consumers:
 *
 *   journal ─┬─▶ local consumers (plugins in embedded mode, node-local plugins, durable eventlistener pools)
 *            └─▶ redis forwarder ─▶ one BullMQ queue per plugin ─▶ plugin hosts in vigild / vigil-worker
 *
 * A consumer sees each event at least once; `ack` ends it, `retryLater` brings it back after a delay,
 * `deadLetter` parks it with its last error. Both backends implement the same `DeliverySource`, so the
 * plugin host does not know which one it runs on.
 */
import type { JsonValue, PipelineEvent } from '../events/pipeline-event';

// ---- journal (embedded, on disk) -------------------------------------------------------------

/** When appended events are forced to disk (they are written to the file at once in every policy). */
export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface JournalOptions {
  /** Directory for segments and consumer state; created (0700) when missing. */
  readonly dir: string;
  /** Live journal size (bytes of segments not yet compacted) beyond which appends are refused. */
  readonly maxBytes: number;
  /** Segment size at which a new segment file is started. */
  readonly segmentBytes?: number;
  readonly fsync: FsyncPolicy;
  /** For `interval`: ms between fdatasync calls. */
  readonly fsyncIntervalMs?: number;
}

export interface JournalStatus {
  readonly dir: string;
  /** Bytes of segments still needed by some consumer. */
  readonly bytes: number;
  readonly maxBytes: number;
  readonly segments: number;
  /** Entries appended since open. */
  readonly appended: number;
  /** Appends refused because the cap was reached, since open. */
  readonly refused: number;
  /** True while the cap is reached. */
  readonly full: boolean;
  /** Highest sequence number written (-1 when empty). */
  readonly lastSeq: number;
}

/** One event as the journal returns it: its journal sequence number and the event. */
export interface JournalEntry {
  readonly seq: number;
  readonly event: PipelineEvent;
}

export interface Journal {
  /**
   * Append synchronously to the current segment (a write to the OS, so a `kill -9` afterwards loses
   * nothing). Returns false, and counts a refusal, when the cap is reached; never throws for I/O
   * trouble (logged, counted as refused).
   */
  append(event: PipelineEvent): boolean;
  /**
   * `append` for several events with one write (and one fdatasync under `always`); the same guarantee
   * for each. Returns how many were accepted; each refused one is counted as with `append`.
   */
  appendMany(events: readonly PipelineEvent[]): number;
  /**
   * A named consumer's view: entries it has not acknowledged, in order, starting from its persisted
   * position (so a restart replays what was not acked). `accepts` filters; skipped entries count as acked.
   * A name never seen before starts at the current end (a new consumer gets no history).
   */
  consumer(name: string, accepts: (e: PipelineEvent) => boolean): JournalConsumer;
  /**
   * Every consumer the journal knows: registered now, or known from persisted state (which holds back
   * compaction until it is forgotten).
   */
  consumers(): JournalConsumerInfo[];
  /** Drop a consumer and its persisted state (it no longer exists in the config); false when unknown. */
  forget(name: string): boolean;
  status(): JournalStatus;
  /** Flush, fsync, close files. */
  close(): Promise<void>;
}

export interface JournalConsumerInfo {
  readonly name: string;
  /** Every entry up to this sequence number is done (acked or filtered out) for this consumer. */
  readonly ackedThrough: number;
  /** Registered in this process now (otherwise known only from its persisted state). */
  readonly open: boolean;
}

export interface JournalConsumer {
  readonly name: string;
  /**
   * Up to `max` entries not yet handed out (and not acked), oldest first; resolves as soon as at least
   * one is available (waits for appends otherwise) or `signal` aborts (then resolves []). Also resolves []
   * once the consumer or its journal is closed: a caller treats [] as "stop", never as "ask again".
   */
  next(max: number, signal?: AbortSignal): Promise<JournalEntry[]>;
  /** Done with this entry for good (persisted; compaction may drop it once every consumer is past it). */
  ack(seq: number): void;
  /** Hand this entry out again from `next` (after a failed attempt); it keeps its place for compaction. */
  release(seq: number): void;
  /**
   * Entries not acked: handed out, released, and not yet looked at (those count until `accepts` has
   * seen them, so this is an upper bound when the filter skips many).
   */
  pending(): number;
  close(): void;
}

// ---- state, dead letters ---------------------------------------------------------------------

/** A small key-value store for plugins (dedup windows, batching), scoped to one plugin. */
export interface KeyValueStore {
  get(key: string): Promise<JsonValue | undefined>;
  /** `ttlMs` makes the key disappear after that long. */
  set(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<void>;
  /** Set only when absent; true when this call set it. The dedup primitive. */
  setIfAbsent(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Add `by` (default 1) to a numeric value (absent = 0) and return the result. */
  increment(key: string, by?: number, opts?: { ttlMs?: number }): Promise<number>;
}

export interface DeadLetter {
  readonly consumer: string;
  readonly event: PipelineEvent;
  /** The last error, as the host recorded it. */
  readonly error: string;
  /** How many attempts were made. */
  readonly attempts: number;
  /** When it was dead-lettered, ISO 8601. */
  readonly at: string;
}

export interface DeadLetterStore {
  add(letter: DeadLetter): Promise<void>;
  /** Oldest first; all consumers when `consumer` is omitted. */
  list(consumer?: string): Promise<DeadLetter[]>;
  /** Remove and return it (for retry or drop); null when there is no such letter. */
  take(consumer: string, eventId: string): Promise<DeadLetter | null>;
}

// ---- delivery to plugin hosts ----------------------------------------------------------------

/** One event handed to a consumer, with how it must end. Exactly one of the three must be called. */
export interface Delivery {
  readonly event: PipelineEvent;
  /** 1 for the first attempt. */
  readonly attempt: number;
  ack(): Promise<void>;
  /** Bring it back after `delayMs`, as attempt `attempt + 1`. */
  retryLater(delayMs: number, error: string): Promise<void>;
  /** Park it in the dead-letter store with `error`; it is not delivered again unless retried by hand. */
  deadLetter(error: string): Promise<void>;
}

/** Where one consumer's deliveries come from (a journal consumer, or a BullMQ queue). */
export interface DeliverySource {
  readonly consumer: string;
  /**
   * Start calling `handle` for each delivery, at most `concurrency` at a time. `handle` must settle the
   * delivery (ack / retryLater / deadLetter) before its promise resolves.
   */
  start(handle: (d: Delivery) => Promise<void>, concurrency: number): void;
  /** Stop taking new deliveries and wait for the ones in flight. */
  close(): Promise<void>;
}

/** Put a dead letter back into its consumer's stream (attempt 1). */
export type Redeliver = (letter: DeadLetter) => Promise<void>;
