/**
 * `redirect_stderr=true` needs ONE pipe behind the child's fds 1 and 2 (so their bytes interleave
 * exactly as written), but Node can neither create a pipe nor tell spawn "fd 2 = fd 1". So we make a
 * connected unix stream socket pair ourselves: a private listening socket (in a 0700 temp dir) that
 * we connect to; the client end goes to the child as stdout and stderr, the accepted end is ours to
 * read. `listen` and `connect` on a unix socket complete synchronously in the kernel, so the client
 * end is ready for the synchronous spawn; the accept arrives a moment later and, the accept queue
 * being FIFO, is matched to its spawn by order (a failed connect withdraws its place in the queue).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export class RedirectPipes {
  private server: net.Server | null = null;
  private dir: string | null = null;
  private socketPath = '';
  /** Read-side handlers in connect order; a failed connect removes its own entry. */
  private readonly waiting: Array<(socket: net.Socket) => void> = [];

  /**
   * A connected socket to give the child as fds 1 and 2. `onReadSide` receives our end once accepted;
   * it must destroy the socket when the run it was meant for is already over. Our copy of the
   * client end is closed by the broker once the connect completes (the child holds its own).
   */
  open(onReadSide: (socket: net.Socket) => void): net.Socket {
    this.ensureServer();
    const entry = (socket: net.Socket): void => onReadSide(socket);
    this.waiting.push(entry);
    const client = net.connect(this.socketPath);
    client.on('connect', () => client.destroy());
    client.on('error', () => {
      // Never accepted: drop the handler so later accepts stay matched to their own spawns.
      const i = this.waiting.indexOf(entry);
      if (i >= 0) this.waiting.splice(i, 1);
    });
    return client;
  }

  close(): void {
    this.server?.close();
    this.server = null;
    this.waiting.length = 0;
    if (this.dir !== null) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  private ensureServer(): void {
    if (this.server !== null) return;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-pipes-'));
    this.socketPath = path.join(this.dir, 'redirect.sock');
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      const handler = this.waiting.shift();
      if (handler === undefined) socket.destroy();
      else handler(socket);
    });
    server.on('error', () => {
      // A listening unix socket in our own directory does not fail after listen(); nothing to do.
    });
    // listen() on a path binds synchronously; only the 'listening' event is deferred.
    server.listen({ path: this.socketPath, backlog: 4096 });
    // The children's pipes keep the loop alive while they matter; the broker itself must not.
    server.unref();
    this.server = server;
  }
}
