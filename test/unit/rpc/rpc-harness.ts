/**
 * A real ProcessEngine behind a Control and an XML-RPC endpoint, with scriptable DaemonHooks, and
 * helpers that send XML bodies through `endpoint.handle` and decode the answers.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import type { Config, GroupConfig } from '../../../src/config/types';
import { ConfigError } from '../../../src/core/errors';
import { Control } from '../../../src/control/control';
import type { DaemonHooks, DaemonMood } from '../../../src/control/daemon-hooks';
import type { ListenerPoolStats } from '../../../src/events/listener-stats';
import type { PipelineAdmin } from '../../../src/control/pipeline-admin';
import type { VigilEvent } from '../../../src/events/types';
import { createRpcEndpoint, type RpcEndpoint, type RpcResponse } from '../../../src/rpc/endpoint';
import { decodeMethodResponse, encodeMethodCall, type XmlRpcFaultValue, type XmlRpcValue } from '../../../src/rpc/xmlrpc';
import { startEngine, type Harness, type HarnessOptions } from '../../helpers/engine-harness';
import { makeConfig } from '../../helpers/process-config';

export class FakeHooks implements DaemonHooks {
  identifier = 'vigil-test';
  moodValue: DaemonMood = 'RUNNING';
  shutdowns = 0;
  restarts = 0;
  /** What the next readConfig returns, or throws. */
  nextConfig: Config | Error;
  mainLog: string | null;
  readonly published: VigilEvent[] = [];

  constructor(config: Config, mainLog: string | null) {
    this.nextConfig = config;
    this.mainLog = mainLog;
  }

  mood(): DaemonMood { return this.moodValue; }
  requestShutdown(): void { this.shutdowns++; }
  requestRestart(): void { this.restarts++; }
  readConfig(): Config {
    if (this.nextConfig instanceof Error) throw this.nextConfig;
    return this.nextConfig;
  }
  mainLogPath(): string | null { return this.mainLog; }
  clearMainLog(): void {
    if (this.mainLog !== null) fs.writeFileSync(this.mainLog, '');
  }
  publish(event: VigilEvent): void { this.published.push(event); }
  listenerPools(): readonly ListenerPoolStats[] { return []; }
  readonly pipeline: PipelineAdmin = {
    status: async () => ({ backend: 'embedded' }),
    plugins: async () => [],
    deadLetters: async () => [],
    retryDeadLetters: async () => 0,
    dropDeadLetters: async () => 0,
  };
}

export interface RpcHarness extends Harness {
  readonly control: Control;
  readonly hooks: FakeHooks;
  readonly endpoint: RpcEndpoint;
  /** A config with these groups (same childlogdir), for hooks.nextConfig. */
  configWith(groups: readonly GroupConfig[]): Config;
}

export function startRpc(t: TestContext, groups: readonly GroupConfig[], opts: HarnessOptions = {}): RpcHarness {
  const h = startEngine(t, groups, opts);
  const mainLog = path.join(h.dir, 'main.log');
  fs.writeFileSync(mainLog, 'line one\nline two\n');
  const hooks = new FakeHooks(h.engine.config, mainLog);
  const control = new Control(h.engine, hooks);
  const endpoint = createRpcEndpoint(control, { logger: h.logger });
  return {
    ...h,
    control,
    hooks,
    endpoint,
    configWith: (gs) => makeConfig({ groups: gs, childlogdir: h.dir, ...(opts.supervisord ? { supervisord: opts.supervisord } : {}) }),
  };
}

export type Answer = { value: XmlRpcValue } | { fault: XmlRpcFaultValue };

/** POST a raw body; the HTTP status must be 200 and the body a methodResponse. */
export async function callRaw(endpoint: RpcEndpoint, body: string): Promise<Answer> {
  const r = await endpoint.handle(body);
  assert.equal(r.status, 200, `status ${r.status}: ${r.body}`);
  assert.equal(r.contentType, 'text/xml');
  return decodeMethodResponse(r.body);
}

export function call(endpoint: RpcEndpoint, method: string, ...params: XmlRpcValue[]): Promise<Answer> {
  return callRaw(endpoint, encodeMethodCall(method, params));
}

/** The value of a successful call (fails the test on a fault). */
export async function ok(endpoint: RpcEndpoint, method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
  const a = await call(endpoint, method, ...params);
  if ('fault' in a) assert.fail(`${method} faulted: [${a.fault.faultCode}] ${a.fault.faultString}`);
  return a.value;
}

/** The fault of a call that must fail. */
export async function fault(endpoint: RpcEndpoint, method: string, ...params: XmlRpcValue[]): Promise<XmlRpcFaultValue> {
  const a = await call(endpoint, method, ...params);
  if (!('fault' in a)) assert.fail(`${method} did not fault: ${JSON.stringify(a.value)}`);
  return a.fault;
}

export async function assertFault(
  endpoint: RpcEndpoint,
  method: string,
  params: XmlRpcValue[],
  faultCode: number,
  faultString: string,
): Promise<void> {
  assert.deepEqual({ ...(await fault(endpoint, method, ...params)) }, { faultCode, faultString });
}

export async function raw(endpoint: RpcEndpoint, body: string): Promise<RpcResponse> {
  return endpoint.handle(body);
}

export function configError(message: string): ConfigError {
  return new ConfigError([{ message }]);
}

/** A plain-object view of a decoded struct (decoded structs have a null prototype). */
export function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v)) as unknown;
}
