// The seed's WebSocketEchoHandler: echoes every message back. Run: npm run build && node dist/samples/echo/app.js, then connect to ws://localhost:8888/websocket
import { Application, WebSocket, WebSocketHandler } from '../../lib';

@WebSocket('/websocket')
export class EchoWebSocket extends WebSocketHandler {
  override open() {
    console.log('WebSocket opened');
  }

  override async onMessage(message: string | Buffer) {
    await this.writeMessage(typeof message === 'string' ? `You said: ${message}` : message, typeof message !== 'string');
  }

  override onClose() {
    console.log('WebSocket closed');
  }
}

export function makeApp(): Application {
  return new Application({ handlers: [EchoWebSocket] });
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8888);
  void makeApp()
    .listen(port)
    .then((server) => console.log(`Echo sample on ws://localhost:${server.port}/websocket`));
}
