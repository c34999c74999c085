import * as fs from 'node:fs';
import type { ServerResponse } from 'node:http';

/** How often a follower looks at the file; only runs while a client is attached. */
const FOLLOW_INTERVAL_MS = 200;
/** supervisor starts a tail with the last 1024 bytes. */
const INITIAL_BYTES = 1024;
const READ_CHUNK = 64 * 1024;

/**
 * Stream a log file like supervisor's /logtail: the last 1 KiB, then whatever is appended; follows
 * rotation (a new inode at the path) and reports truncation. Ends when the client goes away.
 */
export function streamLogTail(path: string, res: ServerResponse): void {
  let fd: number;
  let ino: number;
  let pos: number;
  try {
    fd = fs.openSync(path, 'r');
    const st = fs.fstatSync(fd);
    ino = st.ino;
    pos = Math.max(0, st.size - INITIAL_BYTES);
    res.writeHead(200, {
      'Content-Type': 'text/plain;charset=utf-8',
      'X-Accel-Buffering': 'no',
      'Last-Modified': st.mtime.toUTCString(),
      'Cache-Control': 'no-cache',
    });
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Not Found\n');
    return;
  }
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  const pump = (): void => {
    try {
      let st: fs.Stats;
      try {
        st = fs.statSync(path);
      } catch {
        return; // rotated away and not yet recreated
      }
      if (st.ino !== ino) {
        drain();
        fs.closeSync(fd);
        fd = fs.openSync(path, 'r');
        ino = fs.fstatSync(fd).ino;
        pos = 0;
      } else if (st.size < pos) {
        res.write('==> File truncated <==\n');
        pos = 0;
      }
      drain();
    } catch {
      stop();
      res.end();
    }
  };
  const drain = (): void => {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, READ_CHUNK, pos);
      if (n <= 0) return;
      pos += n;
      res.write(Buffer.from(buf.subarray(0, n)));
    }
  };
  const timer = setInterval(pump, FOLLOW_INTERVAL_MS);
  const stop = (): void => {
    clearInterval(timer);
    try { fs.closeSync(fd); } catch { /* closed */ }
  };
  res.on('close', stop);
  pump();
}
