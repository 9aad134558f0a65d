import { isMainThread, workerData } from 'node:worker_threads';
import { ConfigurationError } from '../common/errors';
import { genLog } from '../common/log';
import { NodeServer } from './node-server';
import type { TransportKind, TransportOptions, TransportServer } from './types';
import { describeUws, uwsAvailability } from './uws';
import { UwsServer } from './uws-server';

/** The `transport` setting: a transport, or `'auto'` (uWS when its native build loads here, else node). */
export type TransportSetting = 'auto' | TransportKind;

const SETTINGS: readonly TransportSetting[] = ['auto', 'uws', 'node'];
let explained = false;

/**
 * The transport `setting` stands for on this machine. `'auto'` picks uWS when a native build
 * loads, otherwise the Node transport. The first time in a process (Typhoon's own worker
 * threads say nothing: their supervisor did) one log line says which uWebSockets.js build
 * serves and from where, or why none does and what would give one.
 *
 * @param maxHeaderSize the application's setting: the head limit a uWS build loaded now takes
 * @throws ConfigurationError for a `UWS_HTTP_MAX_HEADERS_SIZE` that is not a number of bytes
 */
export function resolveTransport(setting: TransportSetting, maxHeaderSize?: number): TransportKind {
  if (setting === 'node') return setting;
  const uws = uwsAvailability(maxHeaderSize);
  const kind = uws.uws || setting === 'uws' ? 'uws' : 'node';
  const typhoonWorker = !isMainThread && (workerData as { typhoon?: unknown } | null)?.typhoon;
  if (!explained && !typhoonWorker && (uws.uws || setting === 'auto')) {
    explained = true;
    genLog.info(kind === 'uws' ? `Serving on ${describeUws(uws)}` : `Serving on the Node transport (node:http + ws): ${describeUws(uws)}`);
  }
  return kind;
}

/**
 * The server for a transport setting.
 *
 * @throws ConfigurationError for `'uws'` when its native build does not load here, or for an
 * option that transport cannot honour
 */
export function createTransport(setting: TransportSetting, options: TransportOptions): TransportServer {
  return resolveTransport(setting) === 'uws' ? new UwsServer(options) : new NodeServer(options);
}

/** A server that is never listened on: its request listener runs requests in memory (`app.inject`). */
export type InProcessTransport = TransportServer & Pick<NodeServer, 'listener'>;

/** The Node transport as an in-process request listener, whatever transport serves the network. */
export function createInProcessTransport(options: TransportOptions): InProcessTransport {
  return new NodeServer(options);
}

/**
 * Refuses, before anything starts, options the transport of `kind` cannot honour.
 *
 * @throws ConfigurationError naming the option and the fix
 */
export function checkTransportOptions(kind: TransportKind, options: TransportOptions): void {
  if (kind === 'uws') UwsServer.checkOptions(options);
  else NodeServer.checkOptions(options);
}

/**
 * Checks a `transport` setting, or `TYPHOON_TRANSPORT` when the setting is not given (the
 * variable overrides the default, not a setting).
 *
 * @throws ConfigurationError naming the values allowed
 */
export function transportSetting(value: unknown, env = process.env.TYPHOON_TRANSPORT): TransportSetting {
  const [given, source] = value !== undefined ? [value, 'transport'] : env ? [env, 'TYPHOON_TRANSPORT'] : ['auto', ''];
  if (!SETTINGS.includes(given as TransportSetting)) {
    throw new ConfigurationError(`${source} must be 'auto', 'uws' or 'node', got ${JSON.stringify(given)}`);
  }
  return given as TransportSetting;
}
