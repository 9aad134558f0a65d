import { expect } from 'chai';
import { makeApp } from '../../samples/extensions/app';
import { health } from '../../samples/extensions/health';
import { Application, RequestHandler, Route } from '../../lib';
import { TestServer } from '../../lib/testing';
import { startRedis } from '../../lib/testing';
import { hasRedis, requirePackage } from '../helpers/requirements';
import { waitFor, waitUntil } from '../helpers/promises';

describe('samples/extensions: health and Prometheus metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start(await makeApp());
  });
  after(() => server.close());

  it('answers liveness and readiness with the checks', async () => {
    expect((await server.fetch('/health/live')).json()).to.deep.equal({ status: 'ok' });
    const ready = await server.fetch('/health/ready');
    expect([ready.status, ready.json()]).to.deep.equal([200, { status: 'ready', checks: { templates: true } }]);
  });

  it('counts responses by handler and status, times them, and reports open WebSockets and topic subscribers', async () => {
    expect((await server.fetch('/')).status).to.equal(200);
    expect((await server.fetch('/nowhere')).status).to.equal(404);
    const chat = await server.websocket('/chat');
    // The chat's first message to a connection (who it is, and the room's history) says it is open.
    expect(JSON.parse(String(await chat.readMessage()))).to.deep.include({ type: 'joined', history: [] });
    const text = (await server.fetch('/metrics')).text;
    expect(text).to.contain('typhoon_requests_total{handler="IndexHandler",method="GET",status="200"} 1');
    expect(text).to.match(/typhoon_requests_total\{handler="[A-Za-z]+",method="GET",status="404"\} 1/);
    expect(text).to.contain('typhoon_request_duration_seconds_count{handler="IndexHandler"} 1');
    expect(text).to.contain('typhoon_websockets_open 1');
    expect(text).to.contain('typhoon_topic_subscribers{topic="chat"} 1');
    expect(text).to.contain('process_cpu_user_seconds_total');
    await chat.close();
  });
});

describe('samples/extensions: readiness during a rolling deploy', () => {
  it('fails readiness as soon as close() begins, while requests in flight finish', async () => {
    let release!: () => void;
    let started = false;
    @Route('/work')
    class Work extends RequestHandler {
      async get() {
        started = true;
        await new Promise<void>((resolve) => (release = resolve));
        this.write('done');
      }
    }
    const app = new Application({ handlers: [Work] });
    await app.register(health);
    const server = await TestServer.start(app);
    const inFlight = server.fetch('/work');
    await waitFor(() => started, 10_000, 'the request to start');
    expect((await app.inject({ url: '/health/ready' })).status).to.equal(200);
    const closing = app.close({ timeout: 10 });
    const probe = await app.inject({ url: '/health/ready' });
    expect([probe.status, probe.json()]).to.deep.equal([503, { status: 'closing', checks: {} }]);
    release();
    expect((await inFlight).text).to.equal('done');
    await closing;
  });
});

describe('samples/extensions: readiness of a node of a cluster', function () {
  this.timeout(30_000);

  it('is not ready until this process is connected to the cluster\'s Redis, and says how the cluster stands', async function () {
    requirePackage(this, 'redis-server', hasRedis());
    const redis = await startRedis({ start: false });
    const app = new Application({ handlers: [], pubsub: { redis: redis.url, maxRetryDelay: 50 } });
    await app.register(health);
    const server = await TestServer.start(app);
    try {
      const waiting = await server.fetch('/health/ready');
      expect(waiting.status).to.equal(503);
      expect(waiting.json()).to.deep.include({ status: 'not ready', checks: { cluster: false } });
      expect(waiting.json<{ cluster: object }>().cluster).to.deep.include({ redis: 'connecting', subscribed: [] });
      await redis.start();
      await waitUntil(async () => (await server.fetch('/health/ready')).status === 200, 15_000, 'readiness once Redis is there');
      const ready = (await server.fetch('/health/ready')).json<{ checks: object; cluster: object }>();
      expect(ready.checks).to.deep.equal({ cluster: true });
      expect(ready.cluster).to.deep.include({ redis: 'connected', subscribed: ['typhoon'], notForwarded: 0 });
    } finally {
      await server.close();
      await redis.stop();
    }
  });
});
