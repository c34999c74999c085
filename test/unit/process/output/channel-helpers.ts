/** Builders shared by the OutputChannel tests. */
import type { LogChannelConfig } from '../../../../src/config/types';
import { MemoryLogger, type LogLevelName } from '../../../../src/core/logger';
import type { EventSink, VigilEvent } from '../../../../src/events/types';
import { OutputChannel, type OutputChannelOptions } from '../../../../src/process/output/output-channel';
import type { SyslogWriter } from '../../../../src/process/output/syslog';

export class RecordingSink implements EventSink {
  readonly events: VigilEvent[] = [];
  publish(e: VigilEvent): void {
    this.events.push(e);
  }
  /** The events as `TYPE:data` strings, easy to compare. */
  summary(): string[] {
    return this.events.map((e) => `${e.type}:${'data' in e ? e.data : ''}`);
  }
}

export class RecordingSyslog implements SyslogWriter {
  readonly lines: string[] = [];
  line(tag: string, message: string): void {
    this.lines.push(`${tag} ${message}`);
  }
  close(): void {}
}

export function channelConfig(over: Partial<LogChannelConfig> = {}): LogChannelConfig {
  return { logfile: null, maxbytes: 0, backups: 0, captureMaxbytes: 0, eventsEnabled: false, syslog: false, ...over };
}

export interface Harness {
  channel: OutputChannel;
  sink: RecordingSink;
  logger: MemoryLogger;
  syslog: RecordingSyslog;
}

export function makeChannel(
  logfilePath: string | null,
  config: Partial<LogChannelConfig> = {},
  extra: Partial<OutputChannelOptions> & { level?: LogLevelName } = {},
): Harness {
  const sink = new RecordingSink();
  const logger = new MemoryLogger(extra.level ?? 'info');
  const syslog = new RecordingSyslog();
  const channel = new OutputChannel({
    process: { name: 'web', group: 'webgroup' },
    channel: 'stdout',
    config: channelConfig(config),
    logfilePath,
    stripAnsi: false,
    sink,
    logger,
    syslog,
    ...extra,
  });
  channel.setPid(4242);
  return { channel, sink, logger, syslog };
}

export const b = (s: string): Buffer => Buffer.from(s, 'utf8');
