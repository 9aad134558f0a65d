// The chat room: people pick a name and talk; a page joining is shown the last 50 messages, its own marked "(you)", and reconnects by itself. Run: npm start (port 8888, or $PORT; WORKERS=2 for two threads; REDIS_URL=redis://127.0.0.1:6379 to share the room, and its history, between processes). samples/chat/README.md says how it works.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { z } from 'zod';
import { Application, RequestHandler, Route, WebSocket, WebSocketHandler } from '../../lib';
import { CHAT_HISTORY, MemoryHistory } from './chat-history';
import { authorOf, ChatRoom, type ChatEvent } from './chat-room';
import { RedisHistory } from './redis-history';

/** Where the sample's templates and static files live (next to this file's source). */
const here = path.resolve(__dirname, '..', '..', '..', 'samples', 'chat');

/** The cookie with a browser's secret, from which the server makes its author id ({@link authorOf}). */
const AUTHOR_COOKIE = 'chat_id';

/** What a page sends: its name and a line of text, both trimmed. Anything else gets a 400 problem back. */
const Said = z.object({
  name: z.string().trim().min(1).max(32),
  text: z.string().trim().min(1).max(2000),
});

@Route('/', { name: 'index' })
export class IndexHandler extends RequestHandler {
  async get() {
    // HttpOnly: the page's script never reads the secret, only the id the server makes of it.
    if (!this.getCookie(AUTHOR_COOKIE)) this.setCookie(AUTHOR_COOKIE, randomBytes(16).toString('hex'), { httpOnly: true, sameSite: 'lax', expiresDays: 365 });
    await this.render('index.html', { title: 'Typhoon chat' });
  }
}

@WebSocket('/chat', { maxMessageSize: 64 * 1024, messageSchema: Said, invalidMessage: 'reply' })
export class ChatSocket extends WebSocketHandler {
  private author = '';

  constructor(private readonly room: ChatRoom) {
    super();
  }

  /** Every connection, reconnections included, is told who it is and the history; the page says "Welcome!" once. */
  override async open() {
    this.author = authorOf(this.getCookie(AUTHOR_COOKIE));
    // Subscribed before the history is read: a message said meanwhile arrives twice (the page
    // shows an id once) rather than not at all.
    this.subscribe(ChatRoom.topic);
    const history = await this.room.recent();
    await this.writeMessage({ type: 'joined', you: this.author, history } satisfies ChatEvent);
  }

  override onMessage(said: z.infer<typeof Said>) {
    this.room.say({ author: this.author, name: said.name, text: said.text });
  }
}

/** Settings of {@link makeApp}. */
export interface ChatSettings {
  debug?: boolean;
  /** Share the room, and one history, with every process using this Redis. Default: none. */
  redisUrl?: string;
  /** Serving on several worker threads (without Redis): keep their histories in step. Default false. */
  workerThreads?: boolean;
}

export function makeApp(settings: ChatSettings = {}): Application {
  const app = new Application({
    handlers: [IndexHandler, ChatSocket],
    templatePath: path.join(here, 'templates'),
    staticPath: path.join(here, 'static'),
    debug: settings.debug,
    // Several processes (machines) share the room through Redis; no sticky sessions needed.
    pubsub: settings.redisUrl ? { redis: settings.redisUrl } : undefined,
  });
  const history = settings.redisUrl ? new RedisHistory(settings.redisUrl) : new MemoryHistory(settings.workerThreads ? 'typhoon-chat-history' : undefined);
  app.container.registerInstance(CHAT_HISTORY, history);
  return app;
}

if (require.main === module) {
  const workers = process.env.WORKERS === 'auto' ? 'auto' : Number(process.env.WORKERS ?? 1);
  const app = makeApp({ redisUrl: process.env.REDIS_URL, workerThreads: workers !== 1 });
  // SIGTERM/SIGINT: stop accepting, finish requests, close WebSockets with 1001, leave Redis, exit 0.
  app.closeOnSignals();
  void app.listen(Number(process.env.PORT ?? 8888), process.env.HOST ?? '0.0.0.0', { workers }).then((server) => {
    if (isMainThread) console.log(`Chat on http://localhost:${server.port}/`);
  });
}
