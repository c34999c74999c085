/**
 * The fsync policy. Writes always go to the OS at once (a killed process loses nothing); this decides
 * when they are forced to the disk (what a power loss can take):
 *   always   — fdatasync inline after every journal append (acks and directory changes: on the interval);
 *   interval — fdatasync on the libuv thread pool `intervalMs` after the first unsynced write, so an idle
 *              journal has no timer at all, and the timer is unref'd (it never keeps the process alive);
 *   never    — left to the kernel's writeback.
 */
import * as fs from 'node:fs';
import type { Logger } from '../../core/logger';
import type { FsyncPolicy } from '../types';

export class Syncer {
  private readonly dirty = new Set<number>();
  private readonly inFlight = new Map<number, number>();
  private readonly closeAfterSync = new Set<number>();
  private dirFd: number | null = null;
  private dirDirty = false;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  private failing = false;
  private stopped = false;

  constructor(
    readonly policy: FsyncPolicy,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  /** Bytes were written to `fd`. `journalData`: an append (synced inline under `always`). */
  wrote(fd: number, journalData: boolean): void {
    if (this.policy === 'never' || this.stopped) return;
    if (journalData && this.policy === 'always') {
      this.syncNow(fd);
      return;
    }
    this.dirty.add(fd);
    this.arm();
  }

  /**
   * A file was created, renamed or deleted in the journal directory. `newSegment`: under `always` the
   * directory is synced at once, so the entries about to go into the new file cannot lose their file.
   */
  dirChanged(dir: string, newSegment = false): void {
    if (this.policy === 'never' || this.stopped) return;
    if (this.dirFd === null) {
      try {
        this.dirFd = fs.openSync(dir, 'r');
      } catch {
        return;
      }
    }
    this.dirDirty = true;
    if (newSegment && this.policy === 'always') this.syncDirNow();
    else this.arm();
  }

  /** `fd` will not be written again: sync what is unsynced, then close it (after any sync in flight). */
  retire(fd: number): void {
    if (this.dirty.delete(fd)) this.syncAsync(fd);
    if (this.inFlight.has(fd)) this.closeAfterSync.add(fd);
    else closeQuietly(fd);
  }

  /** Forget `fd` without syncing (its file is being deleted) and close it. */
  discard(fd: number): void {
    this.dirty.delete(fd);
    if (this.inFlight.has(fd)) this.closeAfterSync.add(fd);
    else closeQuietly(fd);
  }

  /** Shutdown: sync everything unsynced now, wait for syncs in flight, close retired fds and the directory. */
  async drain(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const fd of this.dirty) this.syncNow(fd);
    this.dirty.clear();
    if (this.dirFd !== null) {
      if (this.dirDirty) this.syncDirNow();
      closeQuietly(this.dirFd);
      this.dirFd = null;
    }
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private arm(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    for (const fd of this.dirty) this.syncAsync(fd);
    this.dirty.clear();
    if (this.dirDirty) this.syncDirNow();
  }

  private syncNow(fd: number): void {
    try {
      fs.fdatasyncSync(fd);
      this.ok();
    } catch (err) {
      this.failed(err);
    }
  }

  private syncDirNow(): void {
    this.dirDirty = false;
    if (this.dirFd === null) return;
    try {
      fs.fsyncSync(this.dirFd);
    } catch {
      // Some file systems cannot fsync a directory; the files themselves are synced.
    }
  }

  private syncAsync(fd: number): void {
    this.inFlight.set(fd, (this.inFlight.get(fd) ?? 0) + 1);
    fs.fdatasync(fd, (err) => {
      if (err) this.failed(err);
      else this.ok();
      const left = (this.inFlight.get(fd) ?? 1) - 1;
      if (left > 0) {
        this.inFlight.set(fd, left);
        return;
      }
      this.inFlight.delete(fd);
      if (this.closeAfterSync.delete(fd)) closeQuietly(fd);
      if (this.inFlight.size === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  }

  private ok(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info(`event journal ${this.what}: fdatasync works again`);
  }

  private failed(err: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.error(`event journal ${this.what}: fdatasync failed (${(err as Error).message}); events are written but may not survive a power loss`);
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}
