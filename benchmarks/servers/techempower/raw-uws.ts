// Reference: TechEmpower's six tests on raw uWebSockets.js, the ceiling, with the same driver and template as every JavaScript server and uWS's canonical async pattern (copy from the request, onAborted, await, then cork). Usage: DATABASE_URL=postgres://... node dist/benchmarks/servers/techempower/raw-uws.js <port>
import uws from 'uWebSockets.js';
import { renderFortunes } from './fortunes-page';
import { queryCount, WorldDatabase } from './world-database';

if (!/\[native code\]/.test(Function.prototype.toString.call(uws.App))) {
  console.error('uWebSockets.js is running its JavaScript fallback; refusing to benchmark it');
  process.exit(2);
}

const db = new WorldDatabase();
const JSON_TYPE = 'application/json';

/**
 * Answers with what `work` resolves to, the way uWS's AsyncFunction example does: onAborted
 * before the await (uWS requires it), nothing touched after an abort, and the status, headers
 * and body written in one cork (one syscall) since the native callback has returned.
 */
function respond(res: uws.HttpResponse, type: string, work: () => Promise<string>): void {
  let aborted = false;
  res.onAborted(() => (aborted = true));
  work().then(
    (body) => {
      if (!aborted) res.cork(() => res.writeHeader('Server', 'uWebSockets.js').writeHeader('Content-Type', type).end(body));
    },
    (error: unknown) => {
      console.error(error);
      if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').writeHeader('Server', 'uWebSockets.js').end());
    },
  );
}

const app = uws.App();
// uWS writes Date and Content-Length itself.
app.get('/plaintext', (res) => {
  res.writeHeader('Server', 'uWebSockets.js').writeHeader('Content-Type', 'text/plain').end('Hello, World!');
});
app.get('/json', (res) => {
  res.writeHeader('Server', 'uWebSockets.js').writeHeader('Content-Type', JSON_TYPE).end(JSON.stringify({ message: 'Hello, World!' }));
});
app.get('/db', (res) => respond(res, JSON_TYPE, async () => JSON.stringify(await db.findWorld())));
app.get('/queries', (res, req) => {
  const count = queryCount(req.getQuery('queries')); // the request is valid only until the callback returns
  respond(res, JSON_TYPE, async () => JSON.stringify(await db.findWorlds(count)));
});
app.get('/fortunes', (res) => respond(res, 'text/html; charset=utf-8', async () => renderFortunes(await db.fortunes())));
app.get('/updates', (res, req) => {
  const count = queryCount(req.getQuery('queries'));
  respond(res, JSON_TYPE, async () => JSON.stringify(await db.updateWorlds(count)));
});
app.listen('127.0.0.1', Number(process.argv[2] ?? 0), (listen) => {
  if (!listen) process.exit(1);
  console.log(`PORT ${uws.us_socket_local_port(listen)}`);
});
