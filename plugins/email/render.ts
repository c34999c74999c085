/**
 * Mail text for the email plugin, from the alert core's neutral `AlertMessage`: the subject (the
 * `subject` template), a plain-text body and an optional HTML alternative, for one message or for a
 * batch (one mail listing every message of a `batch_interval`, like superlance's crashmailbatch).
 * Pure functions.
 */
import type { AlertMessage, AlertSeverity } from '../lib/alert-message';
import { Template } from './template';

/** Placeholders of the `subject` template. */
export const SUBJECT_FIELDS = ['title', 'node', 'program', 'event', 'kind', 'severity', 'count'] as const;
export type SubjectField = (typeof SUBJECT_FIELDS)[number];
export type SubjectTemplate = Template<SubjectField>;

export const DEFAULT_SUBJECT = '[vigil] {title}';

export function parseSubject(source: string, option = 'subject'): SubjectTemplate {
  return Template.parse(source, SUBJECT_FIELDS, option);
}

/** What a rendered mail is made of (transport-neutral). */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** X-Vigil-* headers, for filtering rules in mail clients. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface RenderSettings {
  readonly subject: SubjectTemplate;
  /** `[plugin:x]`'s name, in the footer. */
  readonly plugin: string;
}

const RANK: Readonly<Record<AlertSeverity, number>> = { info: 0, warning: 1, error: 2, critical: 3 };

/** Values joined for a batch subject: at most 3, then `+N more`. */
function distinct(values: readonly string[]): string {
  const seen = [...new Set(values)];
  return seen.length <= 3 ? seen.join(', ') : `${seen.slice(0, 3).join(', ')} +${seen.length - 3} more`;
}

/** The subject's placeholder values for one message. */
export function subjectValues(m: AlertMessage): Record<SubjectField, string | number> {
  return { title: m.title, node: m.node, program: m.subject, event: m.eventType, kind: m.kind, severity: m.severity, count: m.count };
}

/** Placeholder values for a batch: lists of the distinct values, `{count}` the messages listed. */
export function batchSubjectValues(ms: readonly AlertMessage[]): Record<SubjectField, string | number> {
  const worst = ms.reduce<AlertSeverity>((w, m) => (RANK[m.severity] > RANK[w] ? m.severity : w), 'info');
  const programs = distinct(ms.map((m) => m.subject));
  const nodes = distinct(ms.map((m) => m.node));
  return {
    title: `${ms.length} ${ms.length === 1 ? 'alert' : 'alerts'} for ${programs} on ${nodes}`,
    node: nodes,
    program: programs,
    event: distinct(ms.map((m) => m.eventType)),
    kind: 'batch',
    severity: worst,
    count: ms.length,
  };
}

// ---- plain text ----

function textFacts(m: AlertMessage): string[] {
  const width = Math.max(0, ...m.fields.map((f) => f.label.length)) + 2;
  return m.fields.map((f) => `${`${f.label}:`.padEnd(width)}${f.value}`);
}

function textSection(m: AlertMessage): string[] {
  const out = [m.title, '', m.text, '', ...textFacts(m)];
  if (m.logTail.length > 0) {
    out.push('', `Last ${m.logTail.length} ${m.logTail.length === 1 ? 'line' : 'lines'} of its log:`);
    for (const l of m.logTail) out.push(`  | ${l}`);
  }
  if (m.link !== null) out.push('', `${m.link.label}: ${m.link.url}`);
  return out;
}

function footer(settings: RenderSettings, ids: readonly string[]): string {
  const idText = ids.length === 1 ? `event ${ids[0]}` : `${ids.length} events`;
  return `Sent by Vigil ([plugin:${settings.plugin}]) for ${idText}.`;
}

// ---- HTML ----

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const COLOUR: Readonly<Record<AlertSeverity | 'recovery', string>> = {
  critical: '#b00020',
  error: '#d9480f',
  warning: '#c69200',
  info: '#1864ab',
  recovery: '#2b8a3e',
};

function htmlSection(m: AlertMessage): string {
  const colour = m.kind === 'recovery' ? COLOUR.recovery : COLOUR[m.severity];
  const rows = m.fields
    .map((f) => `<tr><th align="left" style="padding:2px 12px 2px 0;color:#555">${escapeHtml(f.label)}</th><td style="padding:2px 0">${escapeHtml(f.value)}</td></tr>`)
    .join('');
  const tail =
    m.logTail.length > 0
      ? `<p style="margin:12px 0 4px;color:#555">Last ${m.logTail.length} ${m.logTail.length === 1 ? 'line' : 'lines'} of its log:</p>` +
        `<pre style="background:#f6f8fa;padding:8px;border-radius:4px;white-space:pre-wrap;font-size:12px">${escapeHtml(m.logTail.join('\n'))}</pre>`
      : '';
  const link = m.link !== null ? `<p><a href="${escapeHtml(m.link.url)}">${escapeHtml(m.link.label)}</a></p>` : '';
  return (
    `<h2 style="margin:0 0 8px;font-size:18px;color:${colour}">${escapeHtml(m.title)}</h2>` +
    `<p style="margin:0 0 12px">${escapeHtml(m.text)}</p>` +
    `<table style="border-collapse:collapse;font-size:14px">${rows}</table>${tail}${link}`
  );
}

function htmlPage(body: string, foot: string): string {
  return (
    `<!doctype html><html><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222">` +
    `${body}<p style="margin-top:24px;color:#888;font-size:12px">${escapeHtml(foot)}</p></body></html>`
  );
}

function headers(values: Record<SubjectField, string | number>, ids: readonly string[]): Record<string, string> {
  return {
    'X-Vigil-Node': String(values.node),
    'X-Vigil-Program': String(values.program),
    'X-Vigil-Event': String(values.event),
    'X-Vigil-Kind': String(values.kind),
    'X-Vigil-Severity': String(values.severity),
    ...(ids.length === 1 ? { 'X-Vigil-Event-Id': ids[0] as string } : {}),
  };
}

/** One mail for one message. */
export function renderMessage(m: AlertMessage, settings: RenderSettings): RenderedMail {
  const values = subjectValues(m);
  const foot = footer(settings, [m.event.id]);
  return {
    subject: settings.subject.render(values),
    text: `${[...textSection(m), '', '-- ', foot].join('\n')}\n`,
    html: htmlPage(htmlSection(m), foot),
    headers: headers(values, [m.event.id]),
  };
}

/** One mail listing every message of a batch, oldest first. */
export function renderBatch(ms: readonly AlertMessage[], settings: RenderSettings): RenderedMail {
  if (ms.length === 1) return renderMessage(ms[0] as AlertMessage, settings);
  const values = batchSubjectValues(ms);
  const ids = ms.map((m) => m.event.id);
  const foot = footer(settings, ids);
  const first = ms[0]?.time ?? '';
  const last = ms[ms.length - 1]?.time ?? '';
  const intro = `${ms.length} alerts between ${first} and ${last}:`;
  const index = ms.map((m, i) => `  ${i + 1}. ${m.time}  ${m.title}`);
  const sections = ms.flatMap((m, i) => ['', '='.repeat(72), `${i + 1}/${ms.length}  ${m.time}`, '', ...textSection(m)]);
  const text = [intro, '', ...index, ...sections, '', '-- ', foot].join('\n');
  const htmlIndex = `<ol>${ms.map((m) => `<li>${escapeHtml(m.time)} &mdash; ${escapeHtml(m.title)}</li>`).join('')}</ol>`;
  const htmlSections = ms
    .map((m, i) => `<hr style="margin:20px 0;border:0;border-top:1px solid #ddd"><p style="color:#888;font-size:12px">${i + 1}/${ms.length} &middot; ${escapeHtml(m.time)}</p>${htmlSection(m)}`)
    .join('');
  return {
    subject: settings.subject.render(values),
    text: `${text}\n`,
    html: htmlPage(`<p>${escapeHtml(intro)}</p>${htmlIndex}${htmlSections}`, foot),
    headers: headers(values, ids),
  };
}
