/**
 * compose.yaml, the Dockerfile and examples/compose/vigild.conf, checked without a Docker engine:
 * the services and their wiring, the image's commands, and that the mounted config loads with
 * vigild's own loader (with the container's directories mapped into a scratch directory).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load';
import { REPO_ROOT } from '../../helpers/fixtures';

const T = { timeout: 10_000 };
const CONTAINER_CONF = '/etc/vigil/vigild.conf';
const DAEMONS = ['vigild', 'vigil-worker'] as const;
const BINS = ['vigild', 'vigilctl', 'vigil-worker'] as const;

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `${what} is a mapping`);
  return v as Obj;
}

/** A compose command/test in either form, as a list of words. */
function words(v: unknown, what: string): string[] {
  if (typeof v === 'string') return v.trim().split(/\s+/);
  assert.ok(Array.isArray(v) && v.every((w) => typeof w === 'string'), `${what} is a string or a list of strings`);
  return v as string[];
}

/** `environment:` as a map (compose accepts a map or a list of KEY=value). */
function environment(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (Array.isArray(v)) {
    return Object.fromEntries(v.map((e) => String(e)).map((e) => [e.split('=')[0] ?? '', e.slice(e.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(obj(v, 'environment')).map(([k, x]) => [k, String(x ?? '')]));
}

/** Compose's own `${VAR:-default}` interpolation, with nothing set in the shell. */
function interpolated(env: Record<string, string>): Record<string, string> {
  const value = (v: string): string => v.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (_m, d?: string) => d ?? '');
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, value(v)]));
}

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

function mounts(v: unknown): Mount[] {
  if (v === undefined) return [];
  assert.ok(Array.isArray(v), 'volumes is a list');
  return v.map((m): Mount => {
    if (typeof m === 'string') {
      const [source = '', target = '', mode = ''] = m.split(':');
      return { source, target, readOnly: mode.split(',').includes('ro') };
    }
    const o = obj(m, 'volume');
    return { source: String(o.source ?? ''), target: String(o.target ?? ''), readOnly: o.read_only === true };
  });
}

const compose = obj(parse(fs.readFileSync(path.join(REPO_ROOT, 'compose.yaml'), 'utf8')), 'compose.yaml');
const services = obj(compose.services, 'services');
const service = (name: string): Obj => obj(services[name], `service ${name}`);
const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
/** The runtime stage: everything after the last FROM. */
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };

/** The host file mounted at CONTAINER_CONF in `name`, relative to the repository. */
function mountedConfig(name: string): Mount {
  const m = mounts(service(name).volumes).find((x) => x.target === CONTAINER_CONF);
  assert.ok(m, `${name} mounts a config at ${CONTAINER_CONF}`);
  return m;
}

/** Directories the image creates for the daemons (`chown node:node ...` in the final stage). */
function imageDirs(): string[] {
  const m = /chown\s+node:node\s+([^;&\\\n]+)/.exec(finalStage);
  assert.ok(m?.[1], 'the final stage chowns the runtime directories to node');
  return m[1].trim().split(/\s+/);
}

describe('compose.yaml', () => {
  it('has redis, vigild and vigil-worker, each with a health check', T, () => {
    for (const name of ['redis', ...DAEMONS]) {
      const hc = obj(service(name).healthcheck, `${name} healthcheck`);
      assert.notEqual(hc.disable, true, name);
      const test = words(hc.test, `${name} healthcheck.test`);
      assert.ok(['CMD', 'CMD-SHELL'].includes(test[0] ?? ''), `${name}: ${test.join(' ')}`);
      assert.ok(test.length >= 2, name);
      // `kill -0 1` checks the service's own process only when no init process sits at PID 1.
      if (/\bkill -0 1\b/.test(test.join(' '))) assert.notEqual(service(name).init, true, name);
    }
  });

  it('runs redis append-only with noeviction, on a volume, checked with redis-cli ping', T, () => {
    const redis = service('redis');
    const cmd = words(redis.command, 'redis command').join(' ');
    assert.match(cmd, /^redis-server\b/);
    assert.match(cmd, /--appendonly yes\b/);
    assert.match(cmd, /--appendfsync always\b/);
    assert.match(cmd, /--maxmemory-policy noeviction\b/);
    assert.ok(mounts(redis.volumes).some((m) => m.target === '/data'), 'redis keeps /data on a volume');
    assert.deepEqual(words(obj(redis.healthcheck, 'hc').test, 'hc').slice(1), ['redis-cli', 'ping']);
  });

  it('starts vigild and vigil-worker only once redis is healthy', T, () => {
    for (const name of DAEMONS) {
      const dep = obj(obj(service(name).depends_on, `${name} depends_on`).redis, `${name} depends_on.redis`);
      assert.equal(dep.condition, 'service_healthy', name);
    }
  });

  it('runs the image\'s commands on the mounted config', T, () => {
    assert.deepEqual(words(service('vigild').command, 'vigild command'), ['vigild', '-n', '-c', CONTAINER_CONF]);
    assert.deepEqual(words(service('vigil-worker').command, 'worker command'), ['vigil-worker', '-c', CONTAINER_CONF]);
    const check = words(obj(service('vigild').healthcheck, 'hc').test, 'hc');
    assert.deepEqual(check.slice(1, 4), ['vigilctl', '-c', CONTAINER_CONF]);
    // `status` exits 3 whenever a program is not RUNNING: not a health signal for the daemon.
    assert.ok(!check.includes('status'), check.join(' '));
    for (const name of DAEMONS) {
      const s = service(name);
      assert.ok(s.build !== undefined || typeof s.image === 'string', `${name} has an image`);
    }
    assert.ok(service('vigild').build !== undefined, 'vigild is built from the Dockerfile');
  });

  it('mounts the same config, read-only, from a file that exists in the repository', T, () => {
    for (const name of DAEMONS) {
      const m = mountedConfig(name);
      assert.ok(m.readOnly, `${name}: read-only`);
      assert.ok(fs.statSync(path.join(REPO_ROOT, m.source)).isFile(), `${name}: ${m.source} exists`);
    }
    assert.equal(mountedConfig('vigild').source, mountedConfig('vigil-worker').source);
  });

  it('publishes no port beyond loopback and declares every named volume and network', T, () => {
    const volumes = Object.keys(obj(compose.volumes ?? {}, 'volumes'));
    const networks = ['default', ...Object.keys(obj(compose.networks ?? {}, 'networks'))];
    for (const [name, s] of Object.entries(services)) {
      const svc = obj(s, name);
      for (const p of (svc.ports as unknown[] | undefined) ?? []) {
        assert.match(String(typeof p === 'object' ? obj(p, 'port').host_ip : p), /^127\.0\.0\.1(:|$)/, `${name} port ${JSON.stringify(p)}`);
      }
      for (const m of mounts(svc.volumes)) {
        if (!/^[./~]/.test(m.source)) assert.ok(volumes.includes(m.source), `${name}: volume ${m.source} declared`);
      }
      const nets = Array.isArray(svc.networks) ? svc.networks : Object.keys(obj(svc.networks ?? {}, 'networks'));
      for (const n of nets) assert.ok(networks.includes(String(n)), `${name}: network ${String(n)} declared`);
    }
  });

  it('gives both daemons every %(ENV_X)s the config names, commented-out plugins included', T, () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, mountedConfig('vigild').source), 'utf8');
    const names = [...text.matchAll(/%\(ENV_([A-Za-z0-9_]+)\)s/g)].map((m) => m[1] ?? '');
    assert.ok(names.length > 0, 'the sample shows secrets taken from the environment');
    for (const name of DAEMONS) {
      const env = environment(service(name).environment);
      for (const n of names) assert.ok(n in env, `${name} gets ${n}`);
    }
  });
});

describe('Dockerfile', () => {
  it('builds on node 20 in two stages and runs as a non-root user with SIGTERM', T, () => {
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    assert.ok(froms.length >= 2, 'multi-stage');
    for (const f of froms) assert.match(f ?? '', /^node:20-bookworm-slim$/);
    assert.match(dockerfile, /^RUN npm ci\b/m);
    assert.match(dockerfile, /npm run build/);
    assert.match(dockerfile, /npm prune --omit=dev/);
    assert.match(finalStage, /^USER (?!root\b|0\b)\S+/m);
    assert.match(finalStage, /^STOPSIGNAL SIGTERM$/m);
  });

  it('puts vigild, vigilctl and vigil-worker on PATH, at the paths package.json names', T, () => {
    for (const bin of BINS) {
      const m = new RegExp(`ln -s /opt/vigil/(\\S+) /usr/local/bin/${bin}\\b`).exec(finalStage);
      assert.ok(m?.[1], `${bin} linked into /usr/local/bin`);
      const declared = pkg.bin?.[bin];
      if (declared !== undefined) assert.equal(m[1], declared.replace(/^\.\//, ''), `${bin}: package.json bin`);
      assert.ok(finalStage.includes(`chmod 755 "$bin"`) && finalStage.includes(m[1]), `${bin} made executable`);
      // dist/src/x/y.js comes from src/x/y.ts (vigil-worker's, once src/worker/ exists).
      const source = m[1].replace(/^dist\//, '').replace(/\.js$/, '.ts');
      if (fs.existsSync(path.join(REPO_ROOT, path.dirname(source)))) {
        assert.ok(fs.existsSync(path.join(REPO_ROOT, source)), `${source} exists`);
      }
    }
  });

  it('ignores what the image builds itself', T, () => {
    const ignored = fs.readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', 'dist', '.git']) assert.ok(ignored.includes(p), p);
  });
});

describe('examples/compose/vigild.conf', () => {
  const source = path.join(REPO_ROOT, 'examples', 'compose', 'vigild.conf');
  const text = fs.readFileSync(source, 'utf8');
  const env: NodeJS.ProcessEnv = { HOME: '/home/node', ...interpolated(environment(service('vigild').environment)) };

  /**
   * The config as the container sees it, with every directory the image creates moved under a
   * scratch root (loading checks that log and pid directories exist).
   */
  const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-compose-')));
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));
  let copies = 0;
  function containerCopy(configText: string): string {
    const root = path.join(scratch, String(++copies));
    let out = configText;
    for (const dir of imageDirs()) {
      fs.mkdirSync(path.join(root, dir), { recursive: true });
      out = out.split(`${dir}/`).join(`${root}${dir}/`).replace(new RegExp(`${dir}$`, 'gm'), `${root}${dir}`);
    }
    const file = path.join(root, 'vigild.conf');
    fs.writeFileSync(file, out);
    return file;
  }

  /** `[events]` queue/run_plugins and the plugin `use`s, from the typed config or the raw sections. */
  function pipeline(cfg: unknown): { queue: string; runPlugins: string; uses: Record<string, string> } {
    const c = cfg as Obj;
    if (c.events !== undefined) {
      const events = obj(c.events, 'events');
      const q = obj(events.queue, 'events.queue');
      const plugins = (c.plugins as Obj[] | undefined) ?? [];
      return {
        queue: q.kind === 'redis' ? String(q.url) : String(q.kind),
        runPlugins: String(events.runPlugins),
        uses: Object.fromEntries(plugins.map((p) => [String(p.name), String(p.use)])),
      };
    }
    const raw = (c.reserved as { name: string; options: Record<string, string> }[] | undefined) ?? [];
    const events = raw.find((s) => s.name === 'events');
    assert.ok(events, '[events] section present');
    return {
      queue: events.options.queue ?? '',
      runPlugins: events.options.run_plugins ?? 'true',
      uses: Object.fromEntries(
        raw.filter((s) => s.name.startsWith('plugin:')).map((s) => [s.name.slice('plugin:'.length), s.options.use ?? '']),
      ),
    };
  }

  it('keeps its files in directories the image creates for the daemons', T, () => {
    const dirs = imageDirs();
    const paths = [...text.matchAll(/^(?:logfile|pidfile|childlogdir|file|journal_dir|serverurl)\s*=\s*(?:unix:\/\/)?(\/\S+)/gm)];
    assert.ok(paths.length >= 6, 'the paths are found');
    for (const m of paths) {
      const p = m[1] ?? '';
      assert.ok(dirs.some((d) => p === d || p.startsWith(`${d}/`)), `${p} is under one of ${dirs.join(' ')}`);
    }
  });

  it('loads with vigild\'s loader: Redis queue, plugins left to the worker, a log plugin', T, () => {
    const cfg = loadConfig(containerCopy(text), { env });
    assert.deepEqual(cfg.groups.map((g) => g.name).sort(), ['flaky', 'ticker']);
    assert.equal(cfg.supervisord.nodaemon, true);
    assert.match(cfg.supervisorctl.serverurl, /^unix:\/\/.*\/run\/vigil\/vigild\.sock$/);
    const p = pipeline(cfg);
    assert.equal(p.queue, 'redis://redis:6379/0');
    assert.equal(p.runPlugins, 'false');
    assert.equal(p.uses['events-log'], 'log');
  });

  it('still loads with the commented-out slack and webhook plugins switched on', T, () => {
    const on = text.replace(/^;(?=\[plugin:|[a-z_]+ = )/gm, '');
    assert.notEqual(on, text);
    const p = pipeline(loadConfig(containerCopy(on), { env }));
    assert.deepEqual(Object.keys(p.uses).sort(), ['events-log', 'slack', 'webhook']);
  });
});
