/**
 * The interactive shell: `status` first, then `<prompt>> ` and one command per line until quit, exit,
 * end of input or Ctrl-C at the prompt. Readline gives line editing, tab completion and a history kept
 * in history_file (-r) on a terminal; piped input is read line by line with the same output bytes as
 * supervisorctl's shell.
 */
import * as fs from 'node:fs';
import { completions, currentWord, needsPluginNames, needsProcessInfo, pluginNames, type NameInfo } from './completion';
import { VOCABULARY, type Controller } from './controller';
import { LineInput, INTERRUPT, type Completer } from './line-input';

/** Lines of a readline history file, oldest first (missing or unreadable: none). */
export function loadHistory(file: string | undefined): string[] {
  if (file === undefined) return [];
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && l !== '_HiStOrY_V2_');
  } catch {
    return [];
  }
}

export function saveHistory(file: string | undefined, lines: readonly string[]): void {
  if (file === undefined) return;
  try {
    fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  } catch { /* supervisorctl ignores this too */ }
}

function completer(ctl: Controller): Completer {
  return (line, callback) => {
    const text = currentWord(line);
    if (needsPluginNames(line)) {
      ctl.pluginCompletionInfo().then(
        (v) => callback(null, [completions(line, text, VOCABULARY, [], pluginNames(v)), text]),
        () => callback(null, [completions(line, text, VOCABULARY), text]),
      );
      return;
    }
    if (!needsProcessInfo(line)) {
      callback(null, [completions(line, text, VOCABULARY), text]);
      return;
    }
    ctl.completionInfo().then(
      (v) => callback(null, [completions(line, text, VOCABULARY, (v as unknown as NameInfo[]) ?? []), text]),
      () => callback(null, [[], text]),
    );
  };
}

export async function runShell(ctl: Controller, stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): Promise<void> {
  const terminal = stdin.isTTY === true;
  const input = new LineInput({
    input: stdin,
    output: stdout,
    terminal,
    completer: completer(ctl),
    history: loadHistory(ctl.options.historyFile),
  });
  ctl.input = input;
  try {
    let stop = await ctl.onecmd('status');
    while (!stop) {
      ctl.flush();
      const line = await input.read(`${ctl.options.prompt}> `);
      if (line === INTERRUPT) {
        ctl.output('');
        break;
      }
      stop = await ctl.onecmd(line === null ? 'EOF' : line);
    }
  } finally {
    ctl.flush();
    saveHistory(ctl.options.historyFile, input.history());
  }
}
