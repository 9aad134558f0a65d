// A health extension: GET /health/live (the process answers) and GET /health/ready (checks pass, the cluster is connected where pubsub is set, and the application is not closing), for load balancers and Kubernetes probes. Use: await app.register(health, { checks: { db: () => ping() } })
import { Application, RequestHandler, Route } from '../../lib';

/** Options of the health extension. */
export interface HealthOptions {
  /** Readiness checks by name: each resolves true when its dependency can be used. */
  checks?: Record<string, () => boolean | Promise<boolean>>;
}

/**
 * Adds `/health/live` and `/health/ready`. Readiness fails (503) as soon as `close()` begins,
 * so during a rolling deploy the balancer stops sending new requests while the old process
 * finishes the ones it has; it also fails while any check fails or throws, and, with the
 * `pubsub` setting, while this process is not connected to the cluster's Redis (`app.cluster`,
 * reported as `cluster`: its topics would reach only its own clients).
 */
export function health(app: Application, options: HealthOptions = {}): void {
  const checks = options.checks ?? {};

  @Route('/health/live')
  class Live extends RequestHandler {
    get() {
      this.write({ status: 'ok' });
    }
  }

  @Route('/health/ready')
  class Ready extends RequestHandler {
    async get() {
      const results: Record<string, boolean> = {};
      await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            results[name] = (await check()) === true;
          } catch {
            results[name] = false;
          }
        }),
      );
      const cluster = app.cluster;
      if (cluster.redis !== 'off') results.cluster = cluster.redis === 'connected';
      const ready = !app.isClosing && Object.values(results).every(Boolean);
      this.setStatus(ready ? 200 : 503);
      this.write({ status: ready ? 'ready' : app.isClosing ? 'closing' : 'not ready', checks: results, ...(cluster.redis !== 'off' && { cluster }) });
    }
  }

  app.addHandlers([Live, Ready]);
}
