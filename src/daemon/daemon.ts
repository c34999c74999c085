import { ConfigError, formatConfigProblem, VigilError } from '../core/errors';
import { MainLog } from '../core/main-log';
import { loadConfig } from '../config/load';
import type { Config, SupervisordOverrides } from '../config/types';
import { EventBus } from '../events/bus';
import { TickClock } from '../events/ticks';
import { EventSerial, ListenerHost } from '../eventlistener/host';
import { Control } from '../control/control';
import type { DaemonHooks } from '../control/daemon-hooks';
import { createHttpHandler, type HttpRoutes } from '../http/handler';
import { HttpListeners } from '../http/listeners';
import { createRpcEndpoint } from '../rpc/endpoint';
import { createVigilNamespace } from '../rpc/vigil-namespace';
import { DaemonPipeline } from '../pipeline/daemon-pipeline';
import { validatePlugins } from '../pipeline/validate-plugins';
import { CrashContext } from '../pipeline/crash-context';
import { localControl } from '../plugin-host/local-control';
import { redeliveryTarget } from '../plugin-host/route';
import { cleanupAutoLogs } from '../process/output/auto-logs';
import { createSyslogWriter } from '../process/output/syslog';
import type { SyslogWriter } from '../process/output/syslog';
import { ProcessEngine } from '../process/engine';
import { removePidfile, writePidfile } from './pidfile';
import { defaultServerUrl } from './server-url';

export interface DaemonOptions {
  readonly configFile: string;
  readonly overrides: SupervisordOverrides;
  /** The config already loaded by the entry point (the first run does not read the file twice). */
  readonly config: Config;
  /** Info lines from before the log existed (raised rlimits). */
  readonly startupMessages?: readonly string[];
  /** Called once the daemon serves and its children are started (daemonize handshake). */
  readonly onReady?: () => void;
}

type Mood = 'RUNNING' | 'RESTARTING' | 'SHUTDOWN';

/**
 * The composition root of vigild: builds the main log, HTTP listeners and process engine from a Config,
 * handles the daemon signals, and rebuilds everything on SIGHUP from a config that loads cleanly.
 */
export class Daemon {
  private config: Config;
  private log!: MainLog;
  private engine!: ProcessEngine;
  private listeners!: HttpListeners;
  private bus!: EventBus;
  private listenerHost!: ListenerHost;
  private ticks!: TickClock;
  /** supervisor's global event serial runs on across restarts. */
  private readonly eventSerial = new EventSerial();
  private pipeline!: DaemonPipeline;
  /** A restart's plugins are being checked; a second request meanwhile is the same restart. */
  private restartChecking = false;
  /** Pipeline sequence numbers run on across restarts too (event ids are node:boot:seq). */
  private readonly pipelineSeq = new EventSerial();
  private syslog: SyslogWriter | null = null;
  private mood: Mood = 'RUNNING';
  private stopping: Promise<void> | null = null;
  private finished!: (code: number) => void;

  constructor(private readonly opts: DaemonOptions) {
    this.config = opts.config;
  }

  /** Runs until shutdown; resolves with the exit code. */
  async run(): Promise<number> {
    const done = new Promise<number>((resolve) => { this.finished = resolve; });
    this.installSignalHandlers();
    await this.startRun(true);
    this.opts.onReady?.();
    return done;
  }

  private makeLog(config: Config): MainLog {
    const s = config.supervisord;
    const echo = s.nodaemon && !s.silent ? process.stdout : null;
    const file = s.logfile === 'syslog' ? null : s.logfile;
    return new MainLog({ file, maxBytes: s.logfileMaxbytes, backups: s.logfileBackups, level: s.loglevel, echo });
  }

  /** One "life" of the daemon: supervisord's inner loop between restarts. */
  private async startRun(first: boolean): Promise<void> {
    const config = this.config;
    const s = config.supervisord;
    this.log = this.makeLog(config);
    this.mood = 'RUNNING';
    if (process.getuid?.() === 0 && s.user === null) {
      this.log.critical(
        'Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  ' +
          'If you intend to run as root, you can set user=root in the config file to avoid this message.',
      );
    }
    // supervisord logs its start-up notes as criticals, then warnings, then infos.
    for (const m of config.messages) if (m.level === 'warn') this.log.warn(m.message);
    for (const m of config.messages) if (m.level === 'info') this.log.info(m.message);
    if (first) for (const m of this.opts.startupMessages ?? []) this.log.info(m);
    if (!s.nocleanup) cleanupAutoLogs(s.childlogdir, s.identifier, this.log);

    this.bus = new EventBus(this.log);
    if (this.syslog === null && usesSyslog(config)) this.syslog = createSyslogWriter(this.log);
    this.engine = new ProcessEngine({
      config,
      logger: this.log,
      sink: this.bus,
      serverUrl: defaultServerUrl(config),
      syslog: this.syslog,
    });
    this.listenerHost = new ListenerHost({
      groups: this.engine,
      logger: this.log,
      server: s.identifier,
      serial: this.eventSerial,
      // Created when the engine adds the pool's group, by which time the pipeline is open.
      durableConsumer: (pool, types) =>
        this.pipeline.durableConsumer(pool, (e) => types.has(e.type) && redeliveryTarget(e) === undefined),
    });
    const host = this.listenerHost;
    this.bus.subscribe((event) => host.handle(event));
    this.ticks = new TickClock(this.bus);
    const control = new Control(this.engine, this.hooks());
    // Plugins are loaded (and their options checked) before anything runs: a bad one stops the start.
    const crashes = new CrashContext(control);
    this.bus.subscribe((event) => crashes.observe(event));
    this.pipeline = await DaemonPipeline.open({
      config,
      logger: this.log,
      localControl: localControl(control),
      seq: this.pipelineSeq,
      context: (event) => crashes.context(event),
    });
    const pipeline = this.pipeline;
    this.bus.subscribe((event) => pipeline.publish(event));
    const rpc = createRpcEndpoint(control, { namespaces: { vigil: createVigilNamespace(control) } });
    const routes = httpRoutes(control, rpc);
    this.listeners = new HttpListeners((auth) => createHttpHandler(routes, auth));
    await this.listeners.open({ unix: config.unixHttpServer, inet: config.inetHttpServer });
    for (const rpc of config.rpcInterfaces) {
      if (rpc.name === 'supervisor') this.log.info("RPC interface 'supervisor' initialized");
      else this.log.warn(`RPC interface '${rpc.name}' (${rpc.factory}) is not supported by vigild; ignored`);
    }
    if (config.unixHttpServer !== null && config.unixHttpServer.auth === null) {
      this.log.critical("Server 'unix_http_server' running without any HTTP authentication checking");
    }
    if (config.inetHttpServer !== null && config.inetHttpServer.auth === null) {
      this.log.critical("Server 'inet_http_server' running without any HTTP authentication checking");
    }
    if (first && !writePidfile(s.pidfile, process.pid)) this.log.critical(`could not write pidfile ${s.pidfile}`);
    this.log.info(`supervisord started with pid ${process.pid}`);
    // supervisord announces RUNNING after every group is added and before any process starts.
    const bus = this.bus;
    this.engine.start(() => bus.publish({ type: 'SUPERVISOR_STATE_CHANGE_RUNNING', at: Date.now() }));
    this.ticks.start();
  }

  /** The daemon-level operations the control facade (and so XML-RPC) may ask for. */
  private hooks(): DaemonHooks {
    return {
      identifier: this.config.supervisord.identifier,
      mood: () => this.mood,
      // Deferred so the RPC answer goes out before listeners close.
      requestShutdown: () => { setImmediate(() => { if (this.mood === 'RUNNING') void this.shutdown(); }); },
      requestRestart: () => { setImmediate(() => this.beginRestart()); },
      readConfig: () => loadConfig(this.opts.configFile, { overrides: this.opts.overrides }),
      mainLogPath: () => this.log.path,
      clearMainLog: () => this.log.clear(),
      publish: (event) => this.bus.publish(event),
      listenerPools: () => this.listenerHost.stats(),
      pipeline: {
        status: () => this.pipeline.status(),
        plugins: () => this.pipeline.plugins(),
        deadLetters: (plugin) => this.pipeline.deadLetters(plugin),
        retryDeadLetters: (plugin, id) => this.pipeline.retryDeadLetters(plugin, id),
        dropDeadLetters: (plugin, id) => this.pipeline.dropDeadLetters(plugin, id),
      },
    };
  }

  private installSignalHandlers(): void {
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) process.on(sig, () => this.onExitSignal(sig));
    process.on('SIGHUP', () => this.onHangup());
    process.on('SIGUSR2', () => this.onReopen());
    process.on('uncaughtException', (e) => {
      // Keep supervising: a bug in one code path must not orphan every child.
      this.log.critical(`uncaught exception: ${e.stack ?? String(e)}`);
    });
  }

  private onExitSignal(sig: string): void {
    if (this.mood === 'SHUTDOWN') {
      this.log.blather(`received ${sig} while shutting down; already in progress`);
      return;
    }
    this.log.warn(`received ${sig} indicating exit request`);
    void this.shutdown();
  }

  /** Stop every child in reverse priority order, close listeners, then exit 0. */
  async shutdown(): Promise<void> {
    this.mood = 'SHUTDOWN';
    if (this.stopping === null) this.stopping = this.stopEverything('SHUTDOWN');
    let code = 0;
    try {
      await this.stopping;
    } catch (e) {
      // A daemon whose shutdown failed must still exit: later signals are ignored as "already shutting down".
      this.log.critical(`shutdown failed: ${(e as Error).stack ?? String(e)}`);
      code = 1;
    }
    removePidfile(this.config.supervisord.pidfile, process.pid);
    this.syslog?.close();
    this.log.close();
    this.finished(code);
  }

  private async stopEverything(mood: 'SHUTDOWN' | 'RESTARTING'): Promise<void> {
    this.listenerHost.beginShutdown();
    this.bus.publish({ type: 'SUPERVISOR_STATE_CHANGE_STOPPING', at: Date.now() });
    await this.engine.stopAll(mood);
    this.ticks.stop();
    await this.engine.close();
    this.listenerHost.close();
    await this.pipeline.close();
    await this.listeners.close();
  }

  private onHangup(): void {
    if (this.mood !== 'RUNNING') {
      this.log.warn('ignored SIGHUP indicating restart request (shutdown in progress)');
      return;
    }
    this.log.warn('received SIGHUP indicating restart request');
    this.beginRestart();
  }

  /** SIGHUP or supervisor.restart: only a config that loads (plugins included) replaces the running one. */
  private beginRestart(): void {
    if (this.mood !== 'RUNNING' || this.restartChecking) return;
    let next: Config;
    try {
      next = loadConfig(this.opts.configFile, { overrides: this.opts.overrides });
    } catch (e) {
      // A bad config must not cost the running children anything: keep the old one.
      const detail = e instanceof ConfigError ? e.problems.map(formatConfigProblem).join('; ') : (e as Error).message;
      this.log.error(`restart aborted, the old configuration keeps running: ${detail}`);
      return;
    }
    this.restartChecking = true;
    validatePlugins(next, this.log).then(
      () => {
        this.restartChecking = false;
        if (this.mood === 'RUNNING') void this.restart(next);
      },
      (e: unknown) => {
        this.restartChecking = false;
        this.log.error(`restart aborted, the old configuration keeps running: ${(e as Error).message}`);
      },
    );
  }

  private async restart(next: Config): Promise<void> {
    this.mood = 'RESTARTING';
    this.stopping = this.stopEverything('RESTARTING');
    await this.stopping;
    this.stopping = null;
    if (this.mood !== 'RESTARTING') return; // a shutdown signal arrived meanwhile
    this.log.close();
    this.config = next;
    try {
      await this.startRun(false);
    } catch (e) {
      this.log.critical(`restart failed: ${(e as Error).message}`);
      this.mood = 'SHUTDOWN';
      removePidfile(this.config.supervisord.pidfile, process.pid);
      this.finished(e instanceof VigilError ? 2 : 1);
    }
  }

  private onReopen(): void {
    this.log.info('received SIGUSR2 indicating log reopen request');
    this.log.reopen();
    this.engine.reopenLogs();
    this.log.info('supervisord logreopen');
  }
}

function usesSyslog(config: Config): boolean {
  return config.groups.some((g) => g.processes.some((p) => p.stdout.syslog || p.stderr.syslog));
}

function httpRoutes(control: Control, rpc: HttpRoutes['rpc']): HttpRoutes {
  return {
    rpc,
    logPath: (namespec, channel) => {
      try {
        return control.processLogPath(namespec, channel);
      } catch {
        return undefined;
      }
    },
    mainLogPath: () => control.mainLogPath(),
  };
}
