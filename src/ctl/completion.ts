/**
 * Tab completion in the shell, as supervisorctl completes: command names first, then group names
 * (add/remove/update) or process names (`name`, `group:name`, `group:*`) for the commands that take them.
 */

/** Readline's word delimiters without `:`, `*` and `-`, so `group:proc`, `g:*` and `my-app` are one word. */
const DELIMS = new Set(' \t\n`~!@#$%^&()=+[{]}\\|;\'",<>/?');

const GROUP_COMMANDS = new Set(['add', 'remove', 'update']);
const PROCESS_COMMANDS = new Set(['clear', 'fg', 'pid', 'restart', 'signal', 'start', 'status', 'stop', 'tail']);

export interface NameInfo { readonly name: string; readonly group: string }

/** The word being completed: what follows the last delimiter of `line`. */
export function currentWord(line: string): string {
  let i = line.length;
  while (i > 0 && !DELIMS.has(line[i - 1] as string)) i--;
  return line.slice(i);
}

/** Does completing `line` need the process list (so the caller fetches it only then)? */
export function needsProcessInfo(line: string): boolean {
  const ws = line.split(/\s+/).filter((w) => w !== '');
  if (ws.length === 0 || (ws.length === 1 && !/\s$/.test(line))) return false;
  return GROUP_COMMANDS.has(ws[0] as string) || PROCESS_COMMANDS.has(ws[0] as string);
}

/** The candidates for `text` (each with a trailing space, as readline inserts them). */
export function completions(line: string, text: string, vocabulary: readonly string[], infos: readonly NameInfo[] = []): string[] {
  const actions = (): string[] => [...new Set(vocabulary)].filter((a) => a.startsWith(text)).map((a) => `${a} `);
  if (line.trim() === '') return actions();
  const ws = line.trim().split(/\s+/);
  const action = ws[0] as string;
  if (ws.length === 1 && !/\s$/.test(line)) return actions();
  if (action === 'help') return actions();
  if (GROUP_COMMANDS.has(action)) {
    const groups = [...new Set(infos.map((i) => i.group))];
    return groups.filter((g) => g.startsWith(text)).map((g) => `${g} `);
  }
  if (PROCESS_COMMANDS.has(action)) {
    const names: string[] = [];
    for (const info of infos) {
      if (text.includes(':') || info.name !== info.group) {
        names.push(`${info.group}:${info.name}`);
        if (!names.includes(`${info.group}:*`)) names.push(`${info.group}:*`);
      } else names.push(info.name);
    }
    return names.filter((n) => n.startsWith(text)).map((n) => `${n} `);
  }
  return [];
}
