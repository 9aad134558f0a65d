import { requireLegacyDecorators } from '../di/legacy-decorators';
import { injectable } from 'tsyringe';
import { addRouteMetadata, type Constructor } from '../di/reflection';
import { checkPattern } from '../web/pattern-mistakes';
import type { WebSocketOptions } from './websocket-options';

/**
 * Routes a `WebSocketHandler` class, with the same pattern forms as `@Route`. Handlers are
 * created per connection through the DI container.
 *
 * @throws ConfigurationError when the class is defined, for a pattern that cannot mean what was
 * written (as `@Route`'s)
 *
 * @example
 * ```ts
 * @WebSocket('/chat', { maxMessageSize: 1 << 20, compression: true })
 * class ChatSocket extends WebSocketHandler {
 *   onMessage(message: string | Buffer) { this.application.publish('chat', message); }
 * }
 * ```
 */
export function WebSocket(pattern: string | RegExp, options: WebSocketOptions = {}): ClassDecorator {
  return function (target) {
    requireLegacyDecorators('WebSocket', arguments);
    checkPattern(pattern, target.name);
    injectable()(target as unknown as Constructor);
    const { name, initArgs, ...rest } = options;
    addRouteMetadata(target as unknown as Constructor, { kind: 'websocket', pattern, name, initArgs, options: rest as Record<string, unknown> });
  };
}
