/**
 * The XML-RPC endpoint behind POST /RPC2: request body in, status and body out. The HTTP layer owns
 * sockets, auth and headers; everything about XML-RPC is decided here.
 */
import type { Control } from '../control/control';
import type { Logger } from '../core/logger';
import { Dispatcher } from './dispatcher';
import { toFault, type RpcNamespace } from './rpc-method';
import { createSupervisorNamespace } from './supervisor-namespace';
import { createSystemNamespace } from './system-namespace';
import { XmlParseError, type XmlLimits } from './xml';
import { XmlRpcDecodeError, decodeMethodCall, encodeFault, encodeMethodResponse, type MethodCall } from './xmlrpc';

export interface RpcResponse {
  /** 200 for every answer and fault; 400 for a request that is not XML-RPC; 500 for a bug. */
  readonly status: number;
  readonly body: string;
  readonly contentType: 'text/xml' | 'text/plain';
}

export interface RpcEndpoint {
  handle(body: string): Promise<RpcResponse>;
}

export interface RpcEndpointOptions {
  /** Where bad requests (error), calls (trace) and unexpected exceptions (critical) are logged. */
  readonly logger?: Logger;
  /** More namespaces beside `system` and `supervisor` (e.g. `vigil`). */
  readonly namespaces?: Readonly<Record<string, RpcNamespace>>;
  /** Parser limits; the defaults bound depth and element count. */
  readonly limits?: XmlLimits;
}

/** How much of a bad request body goes into the log line. */
const LOGGED_BODY_CHARS = 200;

export function createRpcEndpoint(control: Control, options: RpcEndpointOptions = {}): RpcEndpoint {
  const dispatcher = new Dispatcher();
  dispatcher.register('system', createSystemNamespace(dispatcher));
  dispatcher.register('supervisor', createSupervisorNamespace(control));
  for (const [name, ns] of Object.entries(options.namespaces ?? {})) dispatcher.register(name, ns);
  const logger = options.logger;

  return {
    async handle(body: string): Promise<RpcResponse> {
      let call: MethodCall;
      try {
        call = decodeMethodCall(body, options.limits);
      } catch (e) {
        if (e instanceof XmlParseError || e instanceof XmlRpcDecodeError) {
          logger?.error(`XML-RPC request data ${JSON.stringify(body.slice(0, LOGGED_BODY_CHARS))} is invalid: ${e.message}`);
          return text(400, `Bad Request: ${e.message}\n`);
        }
        return unexpected(logger, body, e);
      }
      const name = call.methodName;
      try {
        logger?.trace(`XML-RPC method called: ${name}()`);
        const value = await dispatcher.call(name, call.params);
        // Encoding sits inside the try: a value that cannot be encoded is a bug, answered with 500.
        const out = encodeMethodResponse(value);
        logger?.trace(`XML-RPC method ${name}() returned successfully`);
        return { status: 200, body: out, contentType: 'text/xml' };
      } catch (e) {
        const fault = toFault(e);
        if (fault === null) return unexpected(logger, body, e);
        logger?.trace(`XML-RPC method ${name}() returned fault: [${fault.faultCode}] ${fault.faultString}`);
        return { status: 200, body: encodeFault(fault), contentType: 'text/xml' };
      }
    },
  };
}

function text(status: number, body: string): RpcResponse {
  return { status, body, contentType: 'text/plain' };
}

function unexpected(logger: Logger | undefined, body: string, e: unknown): RpcResponse {
  const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  logger?.critical(
    `Handling XML-RPC request with data ${JSON.stringify(body.slice(0, LOGGED_BODY_CHARS))} raised an unexpected exception: ${detail}`,
  );
  return text(500, 'Internal Server Error\n');
}
