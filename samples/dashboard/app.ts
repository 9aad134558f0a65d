// A live dashboard over server-sent events: the page opens an EventSource and the server pushes the process's figures once a second; a browser that reconnects resumes from its Last-Event-ID. Run: npm run build && node dist/samples/dashboard/app.js (port 8888, or $PORT)
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Application, RequestHandler, Route, singleton } from '../../lib';

/** Where the sample's templates and static files live (next to this file's source). */
const here = path.resolve(__dirname, '..', '..', '..', 'samples', 'dashboard');

/** The figures a dashboard shows, read from the process when asked. */
@singleton()
export class Figures {
  private readonly delay = monitorEventLoopDelay({ resolution: 10 });
  /** Dashboards connected now. */
  viewers = 0;

  constructor() {
    this.delay.enable();
  }

  read(): { time: string; rssMiB: number; heapMiB: number; loopDelayMs: number; viewers: number } {
    const memory = process.memoryUsage();
    const figures = {
      time: new Date().toISOString(),
      rssMiB: Math.round(memory.rss / 1048576),
      heapMiB: Math.round(memory.heapUsed / 1048576),
      loopDelayMs: Math.round((this.delay.percentile(99) / 1e6) * 10) / 10,
      viewers: this.viewers,
    };
    this.delay.reset();
    return figures;
  }
}

@Route('/')
export class DashboardPage extends RequestHandler {
  async get() {
    await this.render('index.html', { title: 'Typhoon dashboard' });
  }
}

/** The event stream: one `figures` event a second, numbered so a reconnecting page resumes. */
@Route('/figures')
export class FigureStream extends RequestHandler {
  constructor(private readonly figures: Figures) {
    super();
  }

  async get() {
    const stream = await this.startEventStream({ retry: 1000 });
    let id = Number(stream.lastEventId) || 0;
    const push = () => void stream.send({ event: 'figures', id: ++id, data: this.figures.read() });
    this.figures.viewers++;
    push();
    const timer = setInterval(push, Number(this.getArgument('every', '1')) * 1000);
    await stream.closed;
    clearInterval(timer);
    this.figures.viewers--;
  }
}

export function makeApp(): Application {
  return new Application({
    handlers: [DashboardPage, FigureStream],
    templatePath: path.join(here, 'templates'),
    staticPath: path.join(here, 'static'),
  });
}

if (require.main === module) {
  const app = makeApp();
  app.closeOnSignals();
  void app.listen(Number(process.env.PORT ?? 8888)).then((server) => console.log(`Dashboard on http://localhost:${server.port}/`));
}
