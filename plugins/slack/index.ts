/**
 * `use = slack`: crash alerts to a Slack channel through an incoming webhook (`@slack/webhook`), as Block
 * Kit messages. Grouping, summaries and recoveries come from the shared alert core (plugins/lib).
 *
 *   [plugin:slack]
 *   use = slack
 *   webhook_url = %(ENV_SLACK_WEBHOOK_URL)s
 *   mention = <!here>                 ; on FATAL (mention_on)
 *   ui_url = https://vigil.example.com/ui/{node}/{program}
 *   group_window = 60s
 *   rate_limit = 20/m
 *
 * Options and behaviour: docs/alerts.md.
 */
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError, type IncomingWebhookDefaultArguments } from '@slack/webhook';
import { PluginOptionError, type Plugin, type PluginContext, type PluginOptions } from 'vigil';
import { alertPlugin, httpFailure, readAlertSettings, type AlertMessage, type AlertTransport } from '../lib/alerting';
import { renderSlack, type SlackRenderOptions } from './blocks';

export { renderSlack, type SlackMessage, type SlackRenderOptions } from './blocks';

/** A Slack mention: `<!here>`, `<!channel>`, `<!everyone>`, `<@U024BE7LH>`, `<!subteam^S0123|@ops>`. */
const MENTION_RE = /^<(?:!here|!channel|!everyone|!subteam\^[A-Z0-9]+(?:\|[^<>]*)?|@[UW][A-Z0-9]+)>$/;

/** `mention`: one or more mentions separated by spaces; `@here`, `@channel`, `@everyone` are accepted too. */
export function parseMention(raw: string): string | null {
  const tokens = raw.split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) return null;
  const out = tokens.map((t) => (/^@(here|channel|everyone)$/.test(t) ? `<!${t.slice(1)}>` : t));
  const bad = out.find((t) => !MENTION_RE.test(t));
  if (bad !== undefined) {
    throw new PluginOptionError('mention', `'${bad}' is not a Slack mention (e.g. <!here>, <!channel>, <@U024BE7LH>, <!subteam^S0123>)`);
  }
  return out.join(' ');
}

/** Why a request failed, without the URL (it holds the webhook's secret). */
function requestFailure(e: IncomingWebhookRequestError): Error {
  const original = e.original as Error & { cause?: { code?: unknown; message?: unknown } };
  if (original.name === 'AbortError' || original.name === 'TimeoutError') return new Error('Slack request aborted (timeout)');
  const cause = original.cause;
  const why = cause !== undefined && typeof cause.message === 'string' ? cause.message : original.message;
  return new Error(`Slack request failed: ${why}`);
}

export class SlackTransport implements AlertTransport {
  constructor(
    private readonly url: string,
    private readonly defaults: Pick<IncomingWebhookDefaultArguments, 'channel' | 'username' | 'icon_emoji'>,
    private readonly render: SlackRenderOptions,
  ) {}

  async send(message: AlertMessage, signal: AbortSignal): Promise<void> {
    // One client per send: the attempt's signal (host timeout, shutdown) aborts its request. No retries
    // here: the host retries (5xx, network), a 4xx is a PermanentError.
    const hook = new IncomingWebhook(this.url, {
      ...this.defaults,
      retryConfig: { retries: 0 },
      fetch: (url, init) => fetch(url, { ...init, signal: init?.signal !== undefined ? AbortSignal.any([init.signal, signal]) : signal }),
    });
    try {
      await hook.send(renderSlack(message, this.render));
    } catch (e) {
      if (e instanceof IncomingWebhookHTTPError) throw httpFailure('Slack', e.statusCode, e.statusMessage, e.body);
      if (e instanceof IncomingWebhookRequestError) throw requestFailure(e);
      throw e;
    }
  }
}

export default function create(options: PluginOptions, ctx: PluginContext): Plugin {
  const settings = readAlertSettings(options);
  const url = options.url('webhook_url');
  options.secret('webhook_url');
  const defaults: { channel?: string; username?: string; icon_emoji?: string } = {};
  const channel = options.string('channel', '');
  if (channel !== '') defaults.channel = channel;
  const username = options.string('username', '');
  if (username !== '') defaults.username = username;
  const icon = options.string('icon_emoji', '');
  if (icon !== '') {
    if (!/^:[a-z0-9_+'-]+:$/i.test(icon)) throw new PluginOptionError('icon_emoji', `'${icon}' is not an emoji code like :rotating_light:`);
    defaults.icon_emoji = icon;
  }
  const mention = parseMention(options.string('mention', ''));
  const mentionOn = options.list('mention_on', ['PROCESS_STATE_FATAL']).map((t) => t.toUpperCase());
  const badType = mentionOn.find((t) => !/^[A-Z][A-Z0-9_]*$/.test(t));
  if (badType !== undefined) throw new PluginOptionError('mention_on', `'${badType}' is not an event type`);
  options.rejectUnknown();
  return alertPlugin(ctx, settings, new SlackTransport(url, defaults, { mention, mentionOn: new Set(mentionOn) }));
}
