// The seed's first example: MainHandler answers "Hello, Tornado!" on /. Run: npm run build && node dist/samples/hello/app.js
import { Application, RequestHandler, Route } from '../../lib';

@Route('/')
export class MainHandler extends RequestHandler {
  get() {
    this.write('Hello, Tornado!');
  }
}

export function makeApp(): Application {
  return new Application({ handlers: [MainHandler] });
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8888);
  void makeApp()
    .listen(port)
    .then((server) => console.log(`Hello sample on http://localhost:${server.port}/`));
}
