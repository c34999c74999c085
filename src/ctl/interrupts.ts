/**
 * Ctrl-C routing: whoever waits on something interruptible (a `tail -f` stream, `fg`, the shell prompt)
 * registers a handler; SIGINT (or Ctrl-C read by readline on a terminal) goes to the latest one. With no
 * handler registered, Ctrl-C ends vigilctl as it would without any of this.
 */
const handlers: Array<() => void> = [];
let listening = false;

function onSignal(): void {
  if (!interrupt()) {
    process.removeListener('SIGINT', onSignal);
    listening = false;
    process.kill(process.pid, 'SIGINT');
  }
}

/** Register `handler` for the next Ctrl-C; returns the function that unregisters it. */
export function onInterrupt(handler: () => void): () => void {
  handlers.push(handler);
  if (!listening) {
    process.on('SIGINT', onSignal);
    listening = true;
  }
  return () => {
    const i = handlers.lastIndexOf(handler);
    if (i >= 0) handlers.splice(i, 1);
  };
}

/** Deliver one Ctrl-C to the latest handler; false when nobody is waiting for it. */
export function interrupt(): boolean {
  const h = handlers[handlers.length - 1];
  if (h === undefined) return false;
  h();
  return true;
}
