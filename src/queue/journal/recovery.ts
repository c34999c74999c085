/**
 * Opening a journal directory: find the segments, check the newest one entry by entry and cut off a torn
 * tail (a write cut short by a crash or a power loss), remove temp files of interrupted rewrites.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../core/logger';
import { decodeEntry, parseSegmentFileName, segmentFileName } from './entry-codec';
import { LineReader } from './line-reader';

export interface Segment {
  readonly firstSeq: number;
  readonly path: string;
  /** Size in bytes (grows while it is the active segment). */
  bytes: number;
}

export interface RecoveredDir {
  /** Oldest first; never empty (an empty newest segment is created when there is none). */
  readonly segments: Segment[];
  /** The sequence number the next append gets. */
  readonly nextSeq: number;
  /** Paths of consumer state files. */
  readonly stateFiles: string[];
}

export function recoverDir(dir: string, isStateFile: (name: string) => boolean, logger: Logger): RecoveredDir {
  const segments: Segment[] = [];
  const stateFiles: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name.endsWith('.tmp')) {
      fs.rmSync(p, { force: true });
      continue;
    }
    const first = parseSegmentFileName(name);
    if (first !== null) segments.push({ firstSeq: first, path: p, bytes: fs.statSync(p).size });
    else if (isStateFile(name)) stateFiles.push(p);
  }
  segments.sort((a, b) => a.firstSeq - b.firstSeq);
  if (segments.length === 0) {
    const p = path.join(dir, segmentFileName(0));
    fs.closeSync(fs.openSync(p, 'a', 0o600));
    segments.push({ firstSeq: 0, path: p, bytes: 0 });
    return { segments, nextSeq: 0, stateFiles };
  }
  const newest = segments[segments.length - 1]!;
  const nextSeq = checkNewest(newest, logger);
  return { segments, nextSeq, stateFiles };
}

/** Read the newest segment through, truncate whatever follows its last valid entry; the next sequence number. */
function checkNewest(seg: Segment, logger: Logger): number {
  const fd = fs.openSync(seg.path, 'r+');
  try {
    const reader = new LineReader(fd);
    let expected = seg.firstSeq;
    let validEnd = 0;
    for (let line = reader.next(); line !== null; line = reader.next()) {
      const e = decodeEntry(line.text);
      if (e === null || e.seq !== expected) break;
      expected++;
      validEnd = line.end;
    }
    if (validEnd < seg.bytes) {
      logger.warn(
        `event journal ${seg.path}: dropped ${seg.bytes - validEnd} unreadable bytes after seq ${expected - 1} ` +
          '(a write cut short by a crash or power loss); every entry before them is kept',
      );
      fs.ftruncateSync(fd, validEnd);
      seg.bytes = validEnd;
    }
    return expected;
  } finally {
    fs.closeSync(fd);
  }
}
