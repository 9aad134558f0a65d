import { randomBytes } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type RedisClient from 'ioredis';
import { genLog } from '../common/log';

/** The `pubsub` setting: carry topics to every process sharing a Redis. */
export interface PubSubOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  redis: string;
  /** Redis channel carrying this application's topics (default `typhoon`). */
  channel?: string;
}

/** Delivers a topic message to this thread's own subscribers (uWS native pub/sub). */
export type LocalPublish = (topic: string, data: string | Buffer, binary: boolean) => void;

interface Envelope {
  /** Origin process (Redis messages only): a process ignores its own. */
  o?: string;
  t: string;
  d: string | Uint8Array;
  b: boolean;
}

/**
 * One application's pub/sub beyond its own thread. uWS topics are per App, so per thread:
 * - worker threads of one process talk over a BroadcastChannel (which never echoes to the
 *   sender, so nothing is delivered twice);
 * - one thread per process (the supervisor in worker mode, else the serving thread) owns the
 *   Redis connections: it forwards the process's messages to Redis and relays other
 *   processes' messages to its threads.
 * Local subscribers are always served natively first; a Redis outage is logged, retried with
 * backoff by ioredis, and only cross-process delivery pauses meanwhile.
 */
export class PubSub {
  private readonly channel: BroadcastChannel | null;
  private local: LocalPublish | null = null;
  private redis: { pub: RedisClient; sub: RedisClient; name: string } | null = null;
  private readonly origin = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private droppedWhileDown = 0;
  private lastWarning = 0;

  /**
   * @param threadChannel BroadcastChannel name shared by the threads of this application (null: single thread)
   * @param ownsRedis whether this thread holds the Redis connections
   */
  constructor(threadChannel: string | null, options: PubSubOptions | undefined, ownsRedis: boolean) {
    this.channel = threadChannel ? new BroadcastChannel(threadChannel) : null;
    if (this.channel) {
      this.channel.onmessage = (event) => this.fromThread((event as { data: Envelope }).data);
      // A BroadcastChannel keeps the thread alive; the server (or the supervisor) does that already.
      (this.channel as unknown as { unref?: () => void }).unref?.();
    }
    if (ownsRedis && options?.redis) this.connectRedis(options);
  }

  /** This thread serves WebSockets: deliver to them. */
  attach(local: LocalPublish): void {
    this.local = local;
  }

  /** `app.publish`: this thread's subscribers, then every other thread and process. */
  publish(topic: string, data: string | Buffer, binary: boolean): void {
    this.local?.(topic, data, binary);
    this.forward(topic, data, binary);
  }

  /** Everywhere but this thread (its subscribers were served natively already). */
  forward(topic: string, data: string | Buffer, binary: boolean): void {
    this.channel?.postMessage({ t: topic, d: data, b: binary } satisfies Envelope);
    this.toRedis(topic, data, binary);
  }

  async close(): Promise<void> {
    this.channel?.close();
    const redis = this.redis;
    this.redis = null;
    if (redis) await Promise.all([redis.pub.quit().catch(() => redis.pub.disconnect()), redis.sub.quit().catch(() => redis.sub.disconnect())]);
  }

  private fromThread(envelope: Envelope): void {
    const data = typeof envelope.d === 'string' ? envelope.d : Buffer.from(envelope.d.buffer, envelope.d.byteOffset, envelope.d.byteLength);
    this.local?.(envelope.t, data, envelope.b);
    // A message from another thread of this process: the Redis owner passes it on.
    this.toRedis(envelope.t, data, envelope.b);
  }

  private fromRedis(text: string): void {
    let envelope: Envelope & { d: string };
    try {
      envelope = JSON.parse(text);
    } catch {
      genLog.warn('pubsub: ignored a malformed message on the Redis channel');
      return;
    }
    if (envelope.o === this.origin) return;
    const data = envelope.b ? Buffer.from(envelope.d, 'base64') : envelope.d;
    this.local?.(envelope.t, data, envelope.b);
    this.channel?.postMessage({ t: envelope.t, d: data, b: envelope.b } satisfies Envelope);
  }

  private toRedis(topic: string, data: string | Buffer, binary: boolean): void {
    const redis = this.redis;
    if (!redis) return;
    if (redis.pub.status !== 'ready') {
      this.droppedWhileDown++;
      this.warn(`pubsub: Redis is unavailable; ${this.droppedWhileDown} message(s) not sent to other processes (local delivery goes on)`);
      return;
    }
    const payload = JSON.stringify({ o: this.origin, t: topic, b: binary, d: binary ? Buffer.from(data).toString('base64') : String(data) });
    redis.pub.publish(redis.name, payload).catch((error: Error) => this.warn(`pubsub: publishing to Redis failed: ${error.message}`));
  }

  private connectRedis(options: PubSubOptions): void {
    // Loaded only when configured: most applications never need ioredis.
    const Redis = require('ioredis') as typeof import('ioredis').default;
    const retryStrategy = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 6), 5000);
    const pub = new Redis(options.redis, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy, lazyConnect: false });
    const sub = new Redis(options.redis, { retryStrategy, autoResubscribe: true });
    const name = options.channel ?? 'typhoon';
    this.redis = { pub, sub, name };
    for (const client of [pub, sub]) {
      client.on('error', (error: Error) => this.warn(`pubsub: Redis connection problem (${error.message}); retrying with backoff`));
    }
    pub.on('ready', () => {
      if (this.droppedWhileDown) genLog.info(`pubsub: Redis is back (${this.droppedWhileDown} message(s) were not sent to other processes meanwhile)`);
      this.droppedWhileDown = 0;
    });
    sub.on('message', (_channel: string, message: string) => this.fromRedis(message));
    sub.subscribe(name).catch((error: Error) => this.warn(`pubsub: subscribing to ${name} failed: ${error.message}`));
  }

  /** At most one warning every few seconds: an outage must not flood the log. */
  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 5000) return;
    this.lastWarning = now;
    genLog.warn(message);
  }
}
