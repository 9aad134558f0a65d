import { HTTPError } from '../common/http-errors';
import { RequestHandler } from './request-handler';

/** Answers plain HTTP requests on a WebSocket route: 426, "Can 'Upgrade' only to 'WebSocket'". */
export class UpgradeRequiredHandler extends RequestHandler {
  get(): void {
    throw new HTTPError(426, 'plain HTTP request on a WebSocket route', { headers: { Upgrade: 'websocket', Connection: 'Upgrade' }, reason: 'Upgrade Required' });
  }

  override writeError(status: number): Promise<void> {
    return this.finish(`${status}: Can "Upgrade" only to "WebSocket".`);
  }
}
