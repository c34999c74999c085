/**
 * Micro-benchmark of the child-output hot path: 200 MB in 64 KiB chunks through one OutputChannel
 * (capture, events, syslog and debug off; default 50MB/10 rotation) into a temp file. Prints MB/s.
 * Run: node dist/bench/output-channel-throughput.js [totalMB] [chunkKiB]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryLogger } from '../src/core/logger';
import { NULL_SINK } from '../src/events/types';
import { OutputChannel } from '../src/process/output/output-channel';

const MB = 1024 * 1024;

function run(totalBytes: number, chunkBytes: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  try {
    const channel = new OutputChannel({
      process: { name: 'bench', group: 'bench' },
      channel: 'stdout',
      config: { logfile: 'AUTO', maxbytes: 50 * MB, backups: 10, captureMaxbytes: 0, eventsEnabled: false, syslog: false },
      logfilePath: path.join(dir, 'bench-stdout.log'),
      stripAnsi: false,
      sink: NULL_SINK,
      logger: new MemoryLogger('info'),
    });
    // One reused buffer: a pipe read hands over fresh buffers, but allocation is not what we measure.
    const chunk = Buffer.alloc(chunkBytes, 'log line of a busy child process\n');
    const count = Math.ceil(totalBytes / chunkBytes);
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) channel.write(chunk);
    channel.close();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return (count * chunkBytes) / MB / seconds;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const totalMB = Number(process.argv[2] ?? 200);
  const chunkKiB = Number(process.argv[3] ?? 64);
  run(16 * MB, chunkKiB * 1024); // warm up the JIT and the page cache
  const rate = run(totalMB * MB, chunkKiB * 1024);
  process.stdout.write(`output-channel: ${totalMB} MB in ${chunkKiB} KiB chunks: ${rate.toFixed(0)} MB/s\n`);
}

main();
