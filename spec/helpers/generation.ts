import { uwsAvailability } from '../../lib/transport/uws';
import { specTransport } from './requirements';

/**
 * Where the transports, and the two uWebSockets.js generations, answer differently
 * (docs/transports.md's table): the Node transport, uWS v20.30 (Node 20 here) or a later uWS
 * build (v20.57 in CI's Debian 13 run), from the transport serving and the loaded build.
 */
export type Generation = 'uws v20.30' | 'uws later' | 'node';

export function generation(): Generation {
  if (specTransport() === 'node') return 'node';
  const [major, minor] = uwsAvailability().build!.version.split('.').map(Number);
  return major === 20 && minor <= 30 ? 'uws v20.30' : 'uws later';
}
