import * as fs from 'node:fs';

const { O_WRONLY, O_CREAT, O_APPEND, O_TRUNC } = fs.constants;
/** Append mode, as supervisor's `open(path, 'ab')`. */
const APPEND_FLAGS = O_WRONLY | O_CREAT | O_APPEND;
/** The fresh file after a rotation: supervisor opens it with `'wb'`; O_APPEND kept so an external truncate cannot leave holes. */
const FRESH_FLAGS = O_WRONLY | O_CREAT | O_TRUNC | O_APPEND;
/** 0o666 minus the process umask, like Python's `open()`; supervisord's umask decides the final mode. */
const FILE_MODE = 0o666;

/**
 * An append-only file that rotates by size exactly as supervisor does: the size is checked after each
 * write; once it reaches `maxBytes` the file becomes `.1`, `.1` becomes `.2` ... up to `backups`.
 * With `backups = 0` the file is truncated instead; `maxBytes = 0` never rotates.
 * Writes are synchronous: the daemon is the only writer and page-cache writes are cheaper than a
 * queue of callbacks on the hot output path. Errors (ENOSPC, EACCES...) are thrown to the caller,
 * which decides how to report them; a later write retries opening the file if it is closed.
 */
export class RotatingFile {
  private fd = -1;
  /** Bytes in the current file: its size at open plus what we wrote since (stands in for Python's `tell()`). */
  private size = 0;
  /** Only regular files rotate: renaming `/dev/stdout` fails, and supervisor then stops logging for good. */
  private regular = true;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly backups: number,
  ) {
    this.open(APPEND_FLAGS);
  }

  /** Current size of the file as this writer sees it. */
  get bytes(): number {
    return this.size;
  }

  /** Append `data` and rotate if the file reached `maxBytes`. The hot path: no allocation for Buffers. */
  write(data: Buffer | string): void {
    if (this.fd < 0) {
      if (this.closed) return;
      this.open(APPEND_FLAGS);
    }
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const len = buf.length;
    let off = 0;
    while (off < len) off += fs.writeSync(this.fd, buf, off, len - off);
    this.size += len;
    if (this.maxBytes > 0 && this.size >= this.maxBytes && this.regular) this.rotate();
  }

  /** Rotate now, whatever the size (also used by tests). */
  rotate(): void {
    this.closeFd();
    if (this.backups > 0) {
      for (let i = this.backups - 1; i >= 1; i--) renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      renameIfExists(this.path, `${this.path}.1`);
    }
    // backups = 0: opening with O_TRUNC is the truncation (and works if someone deleted the file).
    this.open(FRESH_FLAGS);
  }

  /** Close and open again (SIGUSR2: an external tool may have moved the file away). */
  reopen(): void {
    if (this.closed) return;
    this.closeFd();
    this.open(APPEND_FLAGS);
  }

  /** Delete the current file and start an empty one (clearProcessLogs / clearLog); backups untouched. */
  clear(): void {
    this.closeFd();
    try {
      fs.unlinkSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (this.closed) {
      // Nobody writes any more, but the caller asked for an empty file, as supervisor leaves one.
      fs.closeSync(fs.openSync(this.path, APPEND_FLAGS, FILE_MODE));
      return;
    }
    this.open(APPEND_FLAGS);
  }

  /** Close for good; later writes are dropped. */
  close(): void {
    this.closed = true;
    this.closeFd();
  }

  private open(flags: number): void {
    const fd = fs.openSync(this.path, flags, FILE_MODE);
    try {
      const st = fs.fstatSync(fd);
      this.size = st.size;
      this.regular = st.isFile();
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    this.fd = fd;
  }

  private closeFd(): void {
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      fs.closeSync(fd);
    }
  }
}

/** supervisor's removeAndRename: a vanished source (a cleanup script removed it) is not an error. */
function renameIfExists(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
