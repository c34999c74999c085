/**
 * supervisor's `readFile` / `tailFile` (reference §6.6): byte ranges of a log file for readLog,
 * readProcess*Log and tailProcess*Log. Used for child logs and the main log alike.
 */
import * as fs from 'node:fs';
import { VigilError } from '../../core/errors';

/**
 * readLog semantics. offset ≥ 0: `length` bytes from offset (0 = to EOF); offset < 0: the last
 * |offset| bytes, and then length must be 0. Throws VigilError `NO_FILE` (no path / no file),
 * `BAD_ARGUMENTS`, or `FAILED` (the file could not be read).
 * Bytes that are not UTF-8 become U+FFFD (supervisor would fail the whole call).
 */
export function readLogRange(path: string | null, offset: number, length: number): string {
  if (path === null || !fs.existsSync(path)) throw new VigilError('NO_FILE', path ?? 'None');
  if (!Number.isFinite(offset) || !Number.isFinite(length)) throw new VigilError('BAD_ARGUMENTS', 'BAD_ARGUMENTS');
  // Python's int() truncates toward zero.
  const off = Math.trunc(offset);
  const len = Math.trunc(length);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw failed(path, e);
  }
  try {
    const size = fstatSize(fd, path);
    let start: number;
    let count: number;
    if (off < 0) {
      if (len !== 0) throw new VigilError('BAD_ARGUMENTS', 'BAD_ARGUMENTS');
      start = Math.max(0, size + off);
      count = -off;
    } else {
      if (len < 0) throw new VigilError('BAD_ARGUMENTS', 'BAD_ARGUMENTS');
      start = off;
      count = len === 0 ? size - off : len;
    }
    return readAt(fd, path, start, Math.min(count, size - start)).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * tailProcess*Log semantics: `[data, size, overflow]`. When the file grew past offset+length the
 * last `length` bytes are returned with overflow=true; the returned size is the offset to poll
 * with next. No path / no file: `['', 0, false]`; an unreadable file: `['', offset, false]`.
 */
export function tailLogFile(path: string | null, offset: number, length: number): [string, number, boolean] {
  if (path === null || !fs.existsSync(path)) return ['', 0, false];
  let off = Math.trunc(offset);
  let len = Math.trunc(length);
  if (!Number.isFinite(off) || !Number.isFinite(len)) return ['', 0, false];
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return ['', off, false];
  }
  try {
    const size = fs.fstatSync(fd).size;
    let overflow = false;
    if (size > off + len) {
      overflow = true;
      off = size - 1;
    }
    if (off + len > size) {
      if (off > size - 1) len = 0;
      off = size - len;
    }
    if (off < 0) off = 0;
    if (len < 0) len = 0;
    const data = len === 0 ? '' : readAt(fd, path, off, Math.min(len, size - off)).toString('utf8');
    return [data, size, overflow];
  } catch {
    return ['', offset, false];
  } finally {
    fs.closeSync(fd);
  }
}

/** Read up to `count` bytes at `start`; fewer if the file shrank meanwhile. */
function readAt(fd: number, path: string, start: number, count: number): Buffer {
  if (count <= 0) return Buffer.alloc(0);
  const buf = Buffer.allocUnsafe(count);
  let got = 0;
  try {
    while (got < count) {
      const n = fs.readSync(fd, buf, got, count - got, start + got);
      if (n === 0) break;
      got += n;
    }
  } catch (e) {
    throw failed(path, e);
  }
  return buf.subarray(0, got);
}

function fstatSize(fd: number, path: string): number {
  try {
    return fs.fstatSync(fd).size;
  } catch (e) {
    throw failed(path, e);
  }
}

function failed(path: string, cause: unknown): VigilError {
  return new VigilError('FAILED', `${path}: ${(cause as Error).message}`, { cause });
}
