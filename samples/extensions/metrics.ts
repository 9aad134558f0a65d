// A Prometheus metrics extension on prom-client: requests by handler, method and status, a latency histogram, open WebSockets and topic subscribers, served at GET /metrics. Use: await app.register(metrics, { topics: ['chat'] })
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Application, RequestHandler, Route } from '../../lib';

/** Options of the metrics extension. */
export interface MetricsOptions {
  /** Topics whose subscribers are reported (`typhoon_topic_subscribers{topic}`). */
  topics?: string[];
  /** The registry to fill (a new one by default); Node.js's process metrics are added to it. */
  registry?: Registry;
}

/**
 * Counts every response in an `onResponse` hook (labelled by handler class, not by path, so the
 * number of series stays bounded), times it into a histogram, and reads the open WebSockets and
 * topic subscribers when Prometheus scrapes.
 */
export function metrics(app: Application, options: MetricsOptions = {}): Registry {
  const registry = options.registry ?? new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'typhoon_requests_total', help: 'HTTP responses sent', labelNames: ['handler', 'method', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'typhoon_request_duration_seconds',
    help: 'Time from the request to its response, in seconds',
    labelNames: ['handler'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'typhoon_websockets_open',
    help: 'Open WebSocket connections',
    registers: [registry],
    collect() {
      this.set(app.webSocketCount);
    },
  });
  const topics = options.topics ?? [];
  new Gauge({
    name: 'typhoon_topic_subscribers',
    help: 'WebSockets subscribed to a topic',
    labelNames: ['topic'],
    registers: [registry],
    collect() {
      for (const topic of topics) this.set({ topic }, app.numSubscribers(topic));
    },
  });

  app.addHook('onResponse', (handler) => {
    const name = handler.constructor.name;
    requests.inc({ handler: name, method: handler.request.method, status: String(handler.getStatus()) });
    latency.observe({ handler: name }, handler.request.requestTime());
  });

  @Route('/metrics')
  class MetricsHandler extends RequestHandler {
    async get() {
      this.setHeader('Content-Type', registry.contentType);
      this.write(await registry.metrics());
    }
  }
  app.addHandlers([MetricsHandler]);
  return registry;
}
