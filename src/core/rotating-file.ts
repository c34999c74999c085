import * as fs from 'node:fs';

/**
 * An append-only file that rotates by size exactly as supervisor does: the size is checked after each
 * write; once it reaches `maxBytes` the file becomes `.1`, `.1` becomes `.2` ... up to `backups`.
 * With `backups = 0` the file is truncated instead; `maxBytes = 0` never rotates.
 * Writes are synchronous: the daemon is the only writer and page-cache writes are cheaper than a
 * queue of callbacks on the hot output path.
 */
export class RotatingFile {
  private fd: number | undefined;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly backups: number,
  ) {
    this.open();
  }

  private open(): void {
    this.fd = fs.openSync(this.path, 'a', 0o644);
    this.size = fs.fstatSync(this.fd).size;
  }

  write(data: Buffer | string): void {
    if (this.fd === undefined) this.open();
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd as number, buf, off, buf.length - off);
    this.size += buf.length;
    if (this.maxBytes > 0 && this.size >= this.maxBytes) this.rotate();
  }

  /** Rotate now (also used by tests). */
  rotate(): void {
    this.closeFd();
    if (this.backups > 0) {
      for (let i = this.backups - 1; i >= 1; i--) {
        const from = `${this.path}.${i}`;
        if (fs.existsSync(from)) renameReplacing(from, `${this.path}.${i + 1}`);
      }
      if (fs.existsSync(this.path)) renameReplacing(this.path, `${this.path}.1`);
    } else {
      fs.truncateSync(this.path, 0);
    }
    this.open();
  }

  /** Close and open again (SIGUSR2: an external tool may have moved the file). */
  reopen(): void {
    this.closeFd();
    this.open();
  }

  /** Empty the current file (clearProcessLogs / clearLog); backups untouched. */
  clear(): void {
    this.closeFd();
    try { fs.unlinkSync(this.path); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
    this.open();
  }

  close(): void {
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

function renameReplacing(from: string, to: string): void {
  try { fs.unlinkSync(to); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
  fs.renameSync(from, to);
}
