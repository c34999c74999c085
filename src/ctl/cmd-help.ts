/** `help` and `help <command>`: vigilctl's own wording of what each command does. */
import { VOCABULARY, type Controller } from './controller';

const HELP: Readonly<Record<string, readonly string[]>> = {
  status: [
    'status                   show every process: name, state, description',
    'status <name> [...]      show the named processes',
    'status <group>:*         show every process of a group',
    'status --json [...]      the same as JSON, one object per process (see docs/vigilctl.md)',
    'Exit status: 0 all running, 3 some not running, 4 unknown name or no server.',
  ],
  start: [
    'start <name> [...]       start processes (and wait until they are RUNNING)',
    'start <group>:*          start every process of a group',
    'start all                start every process',
  ],
  stop: [
    'stop <name> [...]        stop processes (and wait until they have stopped)',
    'stop <group>:*           stop every process of a group',
    'stop all                 stop every process',
  ],
  restart: [
    'restart <name> [...]     stop, then start processes',
    'restart <group>:*        restart every process of a group',
    'restart all              restart every process',
    'The config is not read again; use reread and update for config changes.',
  ],
  signal: [
    'signal <signal> <name> [...]   send a signal (HUP, SIGHUP or 1) to processes',
    'signal <signal> <group>:*      send it to every process of a group',
    'signal <signal> all            send it to every process',
  ],
  pid: [
    'pid                      the pid of the daemon',
    'pid <name> [...]         the pid of processes (0 when not running)',
    'pid all                  the pid of every process, one a line',
  ],
  tail: [
    'tail [-f|-<bytes>] <name> [stdout|stderr]',
    '  the end of a process log (last 1600 bytes of stdout by default)',
    '  -f         follow the log as it grows; Ctrl-C stops',
    '  -<bytes>   the last <bytes> bytes, e.g. tail -200 web stderr',
  ],
  maintail: [
    'maintail [-f|-<bytes>]',
    "  the end of the daemon's own log (last 1600 bytes by default)",
    '  -f         follow it as it grows; Ctrl-C stops',
  ],
  clear: [
    'clear <name> [...]       empty the log files of processes',
    'clear all                empty the log files of every process',
  ],
  fg: [
    'fg <name>                attach to a running process: show its output, send typed lines to its stdin',
    '                         Ctrl-C (or end of input) detaches',
  ],
  avail: ['avail                    list every configured process: in use or available, auto or manual start, priorities'],
  reread: ['reread                   read the config files again and show what changed (nothing is applied)'],
  add: ['add <group> [...]        activate groups that the last reread found'],
  remove: ['remove <group> [...]     deactivate stopped groups'],
  update: [
    'update                   reread the config, then apply it: add new groups, restart changed ones, remove old ones',
    'update all               the same',
    'update <group> [...]     apply the changes to these groups only',
  ],
  reload: ['reload                   restart the daemon (it reads its config again and restarts every process)'],
  shutdown: ['shutdown                 stop every process and the daemon'],
  version: ['version                  the version of the daemon'],
  open: [
    'open <url>               talk to another daemon from now on, then show its status',
    '                         http://host:port or unix:///path/to.sock',
  ],
  quit: ['quit                     leave the shell'],
  exit: ['exit                     leave the shell'],
  alerts: [
    'alerts                   the event pipeline (backend, node, journal) and every plugin: where it runs,',
    '                         delivered, retrying, failed, dead-lettered, the last error (vigild only)',
    'alerts --json            the same as one JSON object (see docs/vigilctl.md)',
    'Exit status: 0 nothing to report, 3 dead letters, journal full or Redis down.',
  ],
  deadletter: [
    'deadletter list [<plugin>] [--json]   events plugins gave up on: id, plugin, type, process,',
    '                                      attempts, when, last error (vigild only)',
    'deadletter retry <plugin> <id|all>    put dead letters back into the plugin\'s queue',
    'deadletter drop <plugin> <id|all>     delete dead letters for good',
  ],
  help: [
    'help                     list the commands',
    'help <command>           explain one command',
  ],
};

/** The help of one command, if it has one. */
export function helpLines(command: string): readonly string[] | undefined {
  return Object.prototype.hasOwnProperty.call(HELP, command) ? HELP[command] : undefined;
}

/** Print the help of a command (after an argument error, as supervisorctl does). */
export function printHelp(ctl: Controller, command: string): void {
  for (const l of helpLines(command) ?? []) ctl.output(l);
}

/** Python cmd's `columnize`: as few rows as fit in `width` columns, columns two spaces apart. */
export function columnize(list: readonly string[], width = 79): string[] {
  const size = list.length;
  if (size === 0) return ['<empty>'];
  if (size === 1) return [list[0] as string];
  let nrows = size;
  let ncols = 1;
  let colwidths = [0];
  for (let rows = 1; rows < size; rows++) {
    const cols = Math.ceil(size / rows);
    const widths: number[] = [];
    let total = -2;
    for (let c = 0; c < cols; c++) {
      let w = 0;
      for (let r = 0; r < rows; r++) {
        const item = list[r + rows * c];
        if (item === undefined) break;
        w = Math.max(w, item.length);
      }
      widths.push(w);
      total += w + 2;
      if (total > width) break;
    }
    if (total <= width) {
      nrows = rows;
      ncols = cols;
      colwidths = widths;
      break;
    }
  }
  const out: string[] = [];
  for (let r = 0; r < nrows; r++) {
    const texts: string[] = [];
    for (let c = 0; c < ncols; c++) texts.push(list[r + nrows * c] ?? '');
    while (texts.length > 0 && texts[texts.length - 1] === '') texts.pop();
    out.push(texts.map((t, c) => t.padEnd(colwidths[c] ?? 0)).join('  '));
  }
  return out;
}

export async function doHelp(ctl: Controller, arg: string): Promise<void> {
  const topic = arg.trim();
  if (topic !== '') {
    const lines = helpLines(topic);
    if (lines === undefined) ctl.output(`*** No help on ${topic}`);
    else for (const l of lines) ctl.output(l);
    return;
  }
  const header = 'vigilctl commands (help <command> explains one):';
  ctl.output('');
  ctl.output(header);
  ctl.output('='.repeat(header.length));
  for (const l of columnize(VOCABULARY.filter((c) => c !== 'help'))) ctl.output(l);
  ctl.output('');
}
