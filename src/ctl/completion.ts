/**
 * Tab completion in the shell, as supervisorctl completes: command names first, then group names
 * (add/remove/update) or process names (`name`, `group:name`, `group:*`) for the commands that take them;
 * `deadletter` completes its subcommands, then plugin names.
 */

/** Readline's word delimiters without `:`, `*` and `-`, so `group:proc`, `g:*` and `my-app` are one word. */
const DELIMS = new Set(' \t\n`~!@#$%^&()=+[{]}\\|;\'",<>/?');

const GROUP_COMMANDS = new Set(['add', 'remove', 'update']);
const PROCESS_COMMANDS = new Set(['clear', 'fg', 'pid', 'restart', 'signal', 'start', 'status', 'stop', 'tail']);

const DEADLETTER_SUBCOMMANDS = ['drop', 'list', 'retry'];

export interface NameInfo { readonly name: string; readonly group: string }

/** Which argument (0 = the first after the command) is being completed. */
function argIndex(line: string): number {
  const ws = line.trim().split(/\s+/);
  return /\s$/.test(line) ? ws.length - 1 : ws.length - 2;
}

/** Does completing `line` need the plugin names (`deadletter <sub> <plugin>`)? */
export function needsPluginNames(line: string): boolean {
  return line.trim().split(/\s+/)[0] === 'deadletter' && argIndex(line) === 1;
}

/** Plugin names from a getPluginStatus answer (anything else: none). */
export function pluginNames(structs: unknown): string[] {
  if (!Array.isArray(structs)) return [];
  return (structs as unknown[]).map((p) => (p !== null && typeof p === 'object' ? (p as { name?: unknown }).name : undefined))
    .filter((n): n is string => typeof n === 'string' && n !== '');
}

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
export function completions(line: string, text: string, vocabulary: readonly string[], infos: readonly NameInfo[] = [], plugins: readonly string[] = []): string[] {
  const actions = (): string[] => [...new Set(vocabulary)].filter((a) => a.startsWith(text)).map((a) => `${a} `);
  if (line.trim() === '') return actions();
  const ws = line.trim().split(/\s+/);
  const action = ws[0] as string;
  if (ws.length === 1 && !/\s$/.test(line)) return actions();
  if (action === 'help') return actions();
  const offer = (list: readonly string[]): string[] => list.filter((w) => w.startsWith(text)).map((w) => `${w} `);
  if (action === 'alerts') return offer(['--json']);
  if (action === 'deadletter') {
    const i = argIndex(line);
    const sub = ws[1];
    if (i === 0) return offer(DEADLETTER_SUBCOMMANDS);
    if (i === 1) return offer(sub === 'list' ? [...plugins, '--json'] : plugins);
    if (i === 2) return offer(sub === 'list' ? ['--json'] : ['all']);
    return [];
  }
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
