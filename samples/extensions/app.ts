// Extensions at work: the chat room with the health and metrics extensions registered. Run: npm run build && node dist/samples/extensions/app.js (port 8888, or $PORT), then curl localhost:8888/health/ready and localhost:8888/metrics
import { makeApp as makeChat } from '../chat/app';
import { health } from './health';
import { metrics } from './metrics';

export async function makeApp() {
  const app = makeChat();
  await app.register(health, { checks: { templates: () => true } });
  await app.register(metrics, { topics: ['chat'] });
  return app;
}

if (require.main === module) {
  void makeApp().then(async (app) => {
    app.closeOnSignals();
    const server = await app.listen(Number(process.env.PORT ?? 8888));
    console.log(`Chat with /health/ready and /metrics on http://localhost:${server.port}/`);
  });
}
