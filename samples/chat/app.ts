// The chat room: a page with a message list and a text box, and a WebSocket that greets each client and broadcasts what anyone says. Run: npm start (port 8888, or $PORT; WORKERS=2 for two threads; REDIS_URL=redis://127.0.0.1:6379 to share the room between processes).
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { Application, RequestHandler, Route, singleton, WebSocket, WebSocketHandler } from '../../lib';

/** Where the sample's templates and static files live (next to this file's source). */
const here = path.resolve(__dirname, '..', '..', '..', 'samples', 'chat');

/** The room: one topic on the application's pub/sub. */
@singleton()
export class ChatRoom {
  static readonly topic = 'chat';

  constructor(private readonly app: Application) {}

  say(text: string): void {
    this.app.publish(ChatRoom.topic, text);
  }
}

@Route('/', { name: 'index' })
export class IndexHandler extends RequestHandler {
  async get() {
    await this.render('index.html', { title: 'Typhoon chat' });
  }
}

@WebSocket('/chat', { maxMessageSize: 64 * 1024 })
export class ChatSocket extends WebSocketHandler {
  constructor(private readonly room: ChatRoom) {
    super();
  }

  override async open() {
    this.subscribe(ChatRoom.topic);
    await this.writeMessage('Welcome!');
  }

  override onMessage(message: string | Buffer) {
    const text = String(message).trim();
    if (text) this.room.say(`${this.request.remoteIp} says: ${text}`);
  }
}

export function makeApp(settings: { debug?: boolean; redisUrl?: string } = {}): Application {
  return new Application({
    handlers: [IndexHandler, ChatSocket],
    templatePath: path.join(here, 'templates'),
    staticPath: path.join(here, 'static'),
    debug: settings.debug,
    // Several processes (machines) share the room through Redis; no sticky sessions needed.
    pubsub: settings.redisUrl ? { redis: settings.redisUrl } : undefined,
  });
}

if (require.main === module) {
  const app = makeApp({ redisUrl: process.env.REDIS_URL });
  // SIGTERM/SIGINT: stop accepting, finish requests, close WebSockets with 1001, leave Redis, exit 0.
  app.closeOnSignals();
  void app
    .listen(Number(process.env.PORT ?? 8888), process.env.HOST ?? '0.0.0.0', { workers: process.env.WORKERS === 'auto' ? 'auto' : Number(process.env.WORKERS ?? 1) })
    .then((server) => {
      if (isMainThread) console.log(`Chat on http://localhost:${server.port}/`);
    });
}
