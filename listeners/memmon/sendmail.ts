/**
 * Sending mail the way superlance's listeners do: a message with `To:` and `Subject:` headers, a blank
 * line and the text, written to the stdin of a sendmail command run by `/bin/sh -c` (default
 * `/usr/sbin/sendmail -t -i`, which takes the recipients from the headers).
 *
 * Unlike `os.popen`, the command's stdout goes to the listener's stderr, never to its stdout (which
 * carries the event protocol), and a command that fails or hangs is reported. Shared by memmon and crashmail.
 */
import { spawn } from 'node:child_process';

export const DEFAULT_SENDMAIL = '/usr/sbin/sendmail -t -i';

/** Header values stay on one line (a newline in a name must not start a new header). */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

/** The message as piped to sendmail: `To:`, `Subject:`, a blank line, the text and a final newline. */
export function formatMail(to: string, subject: string, text: string): string {
  return `To: ${oneLine(to)}\nSubject: ${oneLine(subject)}\n\n${text}${text.endsWith('\n') ? '' : '\n'}`;
}

/** Sends one formatted message. */
export type Mailer = (message: string) => Promise<void>;

/**
 * Pipe `message` to `/bin/sh -c command`. Resolves when the command exits with status 0; rejects when it
 * cannot be started, exits otherwise, or runs longer than `timeoutMs` (it is then killed).
 */
export function sendmail(command: string, message: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 2, 2] });
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err === undefined) resolve();
      else reject(err);
    };
    const timer = setTimeout(() => {
      try { child.kill('SIGKILL'); } catch { /* gone */ }
      finish(new Error(`sendmail command ${JSON.stringify(command)} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (e) => finish(new Error(`cannot run sendmail command ${JSON.stringify(command)}: ${e.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) finish();
      else finish(new Error(`sendmail command ${JSON.stringify(command)} ${signal !== null ? `was killed by ${signal}` : `exited with status ${code}`}`));
    });
    // A command that exits without reading its input is reported by its exit status, not as EPIPE.
    child.stdin?.once('error', () => undefined);
    child.stdin?.end(message);
  });
}
