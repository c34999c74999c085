/**
 * `vigild --sample-config`: a commented supervisord.conf generated from the section tables, so
 * defaults and docs cannot drift from what the loader does. It loads cleanly as it stands.
 */
import { fieldsOf, type FieldSpec } from './schema/field';
import { EVENTS, PLUGIN } from './schema/pipeline';
import { EVENTLISTENER, GROUP, PROGRAM } from './schema/program';
import { DEFAULT_RPC_FACTORY, INET_HTTP_SERVER, RPC_FACTORY_OPTION, RPCINTERFACE, SUPERVISORCTL, UNIX_HTTP_SERVER } from './schema/servers';
import { INCLUDE, SUPERVISORD } from './schema/supervisord';

const SOCKET = '/tmp/vigil.sock';

const INTRO = `; Sample Vigil configuration. Vigil reads supervisord.conf files, so this file also
; works with supervisor 4.2.
;
; Lines starting with ';' or '#' are comments; an inline comment needs a space before its ';'.
; To set an option, remove the ';' in front of it. Commented values are the defaults, or an
; example where an option has no default. Values may use %(here)s (the directory of this file),
; %(ENV_HOME)s (the daemon's environment) and, in program sections, %(program_name)s,
; %(process_num)d and friends; write a literal '%' as '%%'.
`;

interface SectionSample {
  /** Section header without brackets. */
  readonly header: string;
  readonly comment: string;
  readonly fields: readonly FieldSpec<unknown>[];
  /** Options written as active lines, with their values. */
  readonly active?: Readonly<Record<string, string>>;
  /** Comment the whole section out. */
  readonly disabled?: boolean;
}

const SECTIONS: readonly SectionSample[] = [
  {
    header: 'unix_http_server',
    comment: 'The control socket used by vigilctl/supervisorctl.',
    fields: fieldsOf(UNIX_HTTP_SERVER),
    active: { file: SOCKET, chmod: '0700' },
  },
  {
    header: 'inet_http_server',
    comment: 'An HTTP server for the web UI and XML-RPC; keep it on loopback unless it has a password.',
    fields: fieldsOf(INET_HTTP_SERVER),
    disabled: true,
  },
  {
    header: 'supervisord',
    comment: 'The daemon itself.',
    fields: fieldsOf(SUPERVISORD),
    active: { logfile: '/tmp/vigild.log', pidfile: '/tmp/vigild.pid' },
  },
  {
    header: 'rpcinterface:supervisor',
    comment: 'The supervisor.* XML-RPC namespace; vigilctl and supervisorctl need it.',
    fields: fieldsOf(RPCINTERFACE),
    active: { [RPC_FACTORY_OPTION]: DEFAULT_RPC_FACTORY },
  },
  {
    header: 'supervisorctl',
    comment: 'Defaults for vigilctl/supervisorctl.',
    fields: fieldsOf(SUPERVISORCTL),
    active: { serverurl: `unix://${SOCKET}` },
  },
  {
    header: 'program:cat',
    comment: 'One process group per program section. Replace cat with your program.',
    fields: fieldsOf(PROGRAM),
    active: { command: '/bin/cat' },
  },
  {
    header: 'eventlistener:listener',
    comment: 'An event listener pool: every [program:x] option, plus these.',
    fields: [{ ...PROGRAM.command, sample: '/usr/local/bin/my-listener' }, ...fieldsOf(EVENTLISTENER)],
    disabled: true,
  },
  {
    header: 'events',
    comment: 'Vigil\'s event pipeline: where events wait for the plugins (embedded journal, or Redis).',
    fields: fieldsOf(EVENTS),
    disabled: true,
  },
  {
    header: 'plugin:crashes',
    comment: 'A queue plugin; options besides these belong to the plugin (e.g. log: file=...).',
    fields: fieldsOf(PLUGIN),
    disabled: true,
  },
  {
    header: 'group:mygroup',
    comment: 'Groups several programs under one name; listed programs form no group of their own.',
    fields: fieldsOf(GROUP),
    disabled: true,
  },
  {
    header: 'include',
    comment: 'More files to read, relative to the directory of this file.',
    fields: fieldsOf(INCLUDE),
    disabled: true,
  },
];

/** The sample file's text. */
export function sampleConfig(): string {
  return [INTRO, ...SECTIONS.map(sectionText)].join('\n');
}

function sectionText(s: SectionSample): string {
  const prefix = s.disabled ? ';' : '';
  const lines = [`; ${s.comment}`, `${prefix}[${s.header}]`];
  for (const field of s.fields) {
    const active = s.active?.[field.option];
    const setting = active !== undefined && !s.disabled
      ? `${field.option}=${active}`
      : `;${field.option}=${exampleValue(field)}`;
    lines.push(`${setting.padEnd(34)} ; ${field.doc}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The default where there is a meaningful one, else the field's example. */
function exampleValue(field: FieldSpec<unknown>): string {
  if (field.default !== null && field.default !== '') return field.default;
  return field.sample ?? field.default ?? '';
}
