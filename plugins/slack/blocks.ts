/**
 * Renders an `AlertMessage` as a Slack message: a Block Kit body (header, the sentence with the
 * mention, the facts as section fields, the log tail in a code block, a context line with the UI link
 * and the event id) and a plain `text` for notifications. Pure: no I/O.
 */
import type { AlertMessage, AlertSeverity } from '../lib/alerting';

export interface PlainText {
  readonly type: 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
}

export interface Mrkdwn {
  readonly type: 'mrkdwn';
  readonly text: string;
}

export interface HeaderBlock {
  readonly type: 'header';
  readonly text: PlainText;
}

export interface SectionBlock {
  readonly type: 'section';
  readonly text?: Mrkdwn;
  readonly fields?: Mrkdwn[];
}

export interface ContextBlock {
  readonly type: 'context';
  readonly elements: Mrkdwn[];
}

export type SlackBlock = HeaderBlock | SectionBlock | ContextBlock;

export interface SlackMessage {
  /** Notification and fallback text (starts with the mention when there is one). */
  readonly text: string;
  readonly blocks: SlackBlock[];
}

export interface SlackRenderOptions {
  /** `mention`, already in Slack syntax (`<!here>`), or null. */
  readonly mention: string | null;
  /** Event types whose alerts carry the mention (`mention_on`). Summaries and recoveries never do. */
  readonly mentionOn: ReadonlySet<string>;
}

/** Slack's limits: header text 150 characters, a section text 3000, a field 2000, 10 fields. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;

const ICONS: Readonly<Record<AlertSeverity, string>> = {
  critical: ':rotating_light:',
  error: ':red_circle:',
  warning: ':warning:',
  info: ':information_source:',
};

/** `&`, `<`, `>` as Slack's mrkdwn wants them. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Whether this message carries the mention. */
export function wantsMention(message: AlertMessage, opts: SlackRenderOptions): boolean {
  return opts.mention !== null && message.kind === 'alert' && opts.mentionOn.has(message.eventType);
}

/**
 * The log tail as a code block that fits a section: the newest lines are kept, older ones dropped
 * (`…` first when some were); triple backticks inside the log cannot close the block.
 */
export function logTailBlock(lines: readonly string[], max = SECTION_MAX): string | null {
  if (lines.length === 0) return null;
  const head = '*Log tail*\n```';
  const tail = '```';
  const safe = lines.map((l) => escapeMrkdwn(l.replace(/```/g, '`\u200b``')));
  const kept: string[] = [];
  let size = head.length + tail.length + 2;
  for (let i = safe.length - 1; i >= 0; i--) {
    const line = safe[i] as string;
    const add = line.length + 1;
    if (size + add > max) {
      if (kept.length === 0) kept.unshift(`…${line.slice(line.length - (max - size - 2))}`);
      else kept.unshift('…');
      break;
    }
    kept.unshift(line);
    size += add;
  }
  return `${head}\n${kept.join('\n')}\n${tail}`;
}

/** A link in Slack's `<url|label>` form (`|` and `>` in the URL encoded). */
function slackLink(url: string, label: string): string {
  return `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escapeMrkdwn(label)}>`;
}

export function renderSlack(message: AlertMessage, opts: SlackRenderOptions): SlackMessage {
  const icon = message.kind === 'recovery' ? ':white_check_mark:' : message.kind === 'summary' ? ':repeat:' : ICONS[message.severity];
  const mention = wantsMention(message, opts) ? `${opts.mention} ` : '';
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${icon} ${message.title}`, HEADER_MAX), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(`${mention}${escapeMrkdwn(message.text)}`, SECTION_MAX) } },
  ];
  const fields = message.fields
    .slice(0, FIELDS_MAX)
    .map((f): { type: 'mrkdwn'; text: string } => ({ type: 'mrkdwn', text: cut(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, FIELD_MAX) }));
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  const tail = logTailBlock(message.logTail);
  if (tail !== null) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: tail } });
  const context: string[] = [];
  if (message.link !== null) context.push(slackLink(message.link.url, message.link.label));
  context.push(`event \`${escapeMrkdwn(message.event.id)}\` at ${escapeMrkdwn(message.time)}`);
  blocks.push({ type: 'context', elements: context.map((text) => ({ type: 'mrkdwn', text: cut(text, FIELD_MAX) })) });
  return { text: `${mention}${message.title}`, blocks };
}
