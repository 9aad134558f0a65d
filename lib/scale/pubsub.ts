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
  /**
   * Longest wait between two attempts to reach Redis, in milliseconds: attempts start 200 ms
   * apart and double up to it, for as long as Redis stays away (never given up). Default 5000.
   */
  maxRetryDelay?: number;
}

/**
 * How this application's topics reach other processes (`app.cluster`): for readiness checks
 * and dashboards. Every change is also logged.
 */
export interface ClusterState {
  /**
   * `'off'`: no `pubsub` setting (other processes get nothing); `'connecting'`: Redis has not
   * been reached yet; `'connected'`: publishing to and subscribed on Redis; `'down'`: Redis was
   * lost, and is being retried with backoff.
   */
  redis: 'off' | 'connecting' | 'connected' | 'down';
  /** The Redis channels this process receives other processes' topics on (empty until subscribed). */
  subscribed: string[];
  /** Messages published here that other processes did not get because Redis was not connected, since start. */
  notForwarded: number;
  /** When `redis` last changed (milliseconds since the epoch). */
  since: number;
}

/** Delivers a topic message to this thread's own subscribers (uWS native pub/sub). */
export type LocalPublish = (topic: string, data: string | Buffer, binary: boolean) => void;

/** What threads of one application say to each other: a topic message, the cluster's state, or a question for it. */
type ThreadMessage = Envelope | { state: ClusterState } | { ask: true };

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
 *   Redis connections: it forwards the process's messages to Redis, relays other processes'
 *   messages to its threads, and tells them the cluster's state.
 * Local subscribers are always served natively first. Redis is retried for as long as it is
 * away, and subscribed to again every time it comes back; only cross-process delivery pauses.
 */
export class PubSub {
  private readonly channel: BroadcastChannel | null;
  private local: LocalPublish | null = null;
  private redis: { pub: RedisClient; sub: RedisClient; name: string } | null = null;
  private readonly origin = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private lastWarning = 0;
  private current: ClusterState;
  /** The subscriber connection's SUBSCRIBE went through since it last connected. */
  private subscribed = false;
  /** A state message to the other threads is due (the count of messages not forwarded moved). */
  private announcing: NodeJS.Timeout | null = null;

  /**
   * @param threadChannel BroadcastChannel name shared by the threads of this application (null: single thread)
   * @param ownsRedis whether this thread holds the Redis connections
   */
  constructor(threadChannel: string | null, options: PubSubOptions | undefined, ownsRedis: boolean) {
    this.current = PubSub.stateBefore(options);
    this.channel = threadChannel ? new BroadcastChannel(threadChannel) : null;
    if (this.channel) {
      this.channel.onmessage = (event) => this.fromThread((event as { data: ThreadMessage }).data);
      // A BroadcastChannel keeps the thread alive; the server (or the supervisor) does that already.
      (this.channel as unknown as { unref?: () => void }).unref?.();
    }
    if (ownsRedis && options?.redis) this.connectRedis(options);
    // A worker (started late, or again) asks the thread that owns Redis how things stand.
    else if (this.channel && !ownsRedis) this.channel.postMessage({ ask: true } satisfies ThreadMessage);
  }

  /** The state of an application whose pub/sub has not started (before `listen()`). */
  static stateBefore(options: PubSubOptions | undefined): ClusterState {
    return { redis: options?.redis ? 'connecting' : 'off', subscribed: [], notForwarded: 0, since: Date.now() };
  }

  /** The cluster's state as this thread knows it (a copy). */
  get state(): ClusterState {
    return { ...this.current, subscribed: [...this.current.subscribed] };
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
    if (this.announcing) clearTimeout(this.announcing);
    this.channel?.close();
    const redis = this.redis;
    this.redis = null;
    if (redis) await Promise.all([redis.pub.quit().catch(() => redis.pub.disconnect()), redis.sub.quit().catch(() => redis.sub.disconnect())]);
  }

  private fromThread(message: ThreadMessage): void {
    if ('state' in message) {
      this.current = message.state;
      return;
    }
    if ('ask' in message) {
      if (this.redis) this.channel?.postMessage({ state: this.current } satisfies ThreadMessage);
      return;
    }
    const data = typeof message.d === 'string' ? message.d : Buffer.from(message.d.buffer, message.d.byteOffset, message.d.byteLength);
    this.local?.(message.t, data, message.b);
    // A message from another thread of this process: the Redis owner passes it on.
    this.toRedis(message.t, data, message.b);
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
    if (this.current.redis !== 'connected' || redis.pub.status !== 'ready') {
      this.notForwarded();
      this.warn(`pubsub: Redis is not connected; ${this.current.notForwarded} message(s) not sent to other processes so far (local delivery goes on)`);
      return;
    }
    const payload = JSON.stringify({ o: this.origin, t: topic, b: binary, d: binary ? Buffer.from(data).toString('base64') : String(data) });
    redis.pub.publish(redis.name, payload).catch((error: Error) => {
      this.notForwarded();
      this.warn(`pubsub: publishing to Redis failed: ${error.message}`);
    });
  }

  private connectRedis(options: PubSubOptions): void {
    // Loaded only when configured: most applications never need ioredis.
    const Redis = require('ioredis') as typeof import('ioredis').default;
    const cap = options.maxRetryDelay ?? 5000;
    // Never null: ioredis would stop reconnecting for good.
    const retryStrategy = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 16), cap);
    const pub = new Redis(options.redis, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy });
    // The subscriber queues nothing (a SUBSCRIBE queued while Redis is away is dropped after
    // ioredis' retry limit, and the process never hears the cluster again): it subscribes
    // afresh on every connection instead.
    const sub = new Redis(options.redis, { retryStrategy, autoResubscribe: false, enableOfflineQueue: false, maxRetriesPerRequest: null });
    const name = options.channel ?? 'typhoon';
    this.redis = { pub, sub, name };
    for (const client of [pub, sub]) {
      client.on('error', (error: Error) => this.warn(`pubsub: Redis connection problem (${error.message}); retrying with backoff (at most ${cap} ms apart)`));
      client.on('ready', () => this.settle());
      client.on('close', () => {
        if (client === sub) this.subscribed = false;
        this.settle();
      });
    }
    sub.on('ready', () => {
      sub.subscribe(name).then(
        () => {
          this.subscribed = sub.status === 'ready';
          this.settle();
        },
        (error: Error) => this.warn(`pubsub: subscribing to ${name} failed (${error.message}); trying again when Redis reconnects`),
      );
    });
    sub.on('message', (_channel: string, message: string) => this.fromRedis(message));
  }

  /** Counts a message other processes did not get; the other threads hear of it within a second. */
  private notForwarded(): void {
    this.current.notForwarded++;
    if (!this.channel || this.announcing) return;
    this.announcing = setTimeout(() => {
      this.announcing = null;
      this.channel?.postMessage({ state: this.current } satisfies ThreadMessage);
    }, 1000);
    this.announcing.unref();
  }

  /** Works out the state from the two connections; logs and tells the other threads when it changed. */
  private settle(): void {
    const redis = this.redis;
    if (!redis) return;
    const subscribed = this.subscribed && redis.sub.status === 'ready';
    const up = subscribed && redis.pub.status === 'ready';
    const next: ClusterState['redis'] = up ? 'connected' : this.current.redis === 'connecting' ? 'connecting' : 'down';
    const channels = subscribed ? [redis.name] : [];
    if (next === this.current.redis && channels.length === this.current.subscribed.length) return;
    const was = this.current;
    this.current = { redis: next, subscribed: channels, notForwarded: was.notForwarded, since: next === was.redis ? was.since : Date.now() };
    if (next === 'connected') {
      genLog.info(`pubsub: Redis connected, subscribed to ${redis.name}${was.notForwarded ? `; ${was.notForwarded} message(s) were not sent to other processes before` : ''}`);
    } else if (next === 'down' && was.redis === 'connected') {
      genLog.warn(`pubsub: Redis connection lost; retrying with backoff (messages to other processes are not sent meanwhile)`);
    }
    this.channel?.postMessage({ state: this.current } satisfies ThreadMessage);
  }

  /** At most one warning every few seconds: an outage must not flood the log. */
  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 5000) return;
    this.lastWarning = now;
    genLog.warn(message);
  }
}
