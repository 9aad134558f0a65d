// The chat room: a page with a message list and a text box, and a WebSocket that greets each client and broadcasts what anyone says. Run: npm start (port 8888, or $PORT).
import path from 'node:path';
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

export function makeApp(settings: { debug?: boolean } = {}): Application {
  return new Application({
    handlers: [IndexHandler, ChatSocket],
    templatePath: path.join(here, 'templates'),
    staticPath: path.join(here, 'static'),
    ...settings,
  });
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8888);
  void makeApp()
    .listen(port)
    .then((server) => console.log(`Chat on http://localhost:${server.port}/`));
}
