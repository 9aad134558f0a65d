import type RedisClient from 'ioredis';
import { HISTORY_SIZE, type ChatHistory } from './chat-history';
import type { ChatMessage } from './chat-room';

/**
 * The history in a Redis list that every process (and thread) sharing the room uses
 * (`REDIS_URL`): one history for the whole room, which outlives a restart. The thread a message
 * was said on appends it, once; the list is cut to the last {@link HISTORY_SIZE}.
 *
 * While Redis is away the room goes on without it: messages said then are not kept, and a page
 * joining gets an empty history (the application's pub/sub logs the outage).
 *
 * @example
 * ```ts
 * const history = new RedisHistory('redis://127.0.0.1:6379');
 * ```
 */
export class RedisHistory implements ChatHistory {
  private client: RedisClient | null = null;

  constructor(private readonly url: string, private readonly key = 'typhoon-chat:history') {}

  add(message: ChatMessage): void {
    // Not awaited: the room does not wait for Redis to deliver a message. Commands of one
    // connection run in order, so a page joining on this thread later finds it in the list.
    this.redis.multi().rpush(this.key, JSON.stringify(message)).ltrim(this.key, -HISTORY_SIZE, -1).exec().catch(() => undefined);
  }

  async recent(): Promise<ChatMessage[]> {
    const entries = await this.redis.lrange(this.key, -HISTORY_SIZE, -1).catch(() => []);
    return entries.map((entry) => JSON.parse(entry) as ChatMessage);
  }

  /** Connects on first use: a worker pool's supervisor thread, which serves nothing, never does. */
  private get redis(): RedisClient {
    if (this.client) return this.client;
    // Loaded only when configured, as the framework's own pub/sub does.
    const Redis = require('ioredis') as typeof import('ioredis').default;
    // A command waits for one reconnection at most: a page joining while Redis is away gets an
    // empty history soon, rather than waiting for Redis.
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    // Connection problems are the application's pub/sub's to report; unhandled, ioredis would print each one.
    client.on('error', () => undefined);
    // The Application has no close hook for its services: an unreferenced connection lets a
    // worker thread end once its server has closed (SIGTERM), instead of holding it until the
    // supervisor's deadline.
    client.on('connect', () => client.stream.unref());
    return (this.client = client);
  }
}
