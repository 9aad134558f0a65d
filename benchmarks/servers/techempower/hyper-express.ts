// Peer on uWS: TechEmpower's six tests on hyper-express 6.8.6 (the same uWebSockets.js build as Typhoon, through package.json's overrides), written as its docs show — async handlers, response.json() — with the same driver and template as every JavaScript server. Usage: DATABASE_URL=postgres://... node dist/benchmarks/servers/techempower/hyper-express.js <port>
import { Server, type Response } from 'hyper-express';
import uws from 'uWebSockets.js';
import { renderFortunes } from './fortunes-page';
import { queryCount, WorldDatabase } from './world-database';

// The peer loads the uWebSockets.js this does (package.json's overrides): never its JavaScript fallback.
if (!/\[native code\]/.test(Function.prototype.toString.call(uws.App))) {
  console.error('uWebSockets.js is running its JavaScript fallback; refusing to benchmark it');
  process.exit(2);
}

const db = new WorldDatabase();
const app = new Server();
const count = (queries: unknown) => queryCount(typeof queries === 'string' ? queries : null);
// uWS writes Date; TFB also wants Server (hyper-express leaves out uWS's own).
const server = (response: Response) => response.header('Server', 'hyper-express');

app.get('/plaintext', (_request, response) => server(response).type('text').send('Hello, World!'));
app.get('/json', (_request, response) => server(response).json({ message: 'Hello, World!' }));
app.get('/db', async (_request, response) => server(response).json(await db.findWorld()));
app.get('/queries', async (request, response) => server(response).json(await db.findWorlds(count(request.query_parameters.queries))));
app.get('/fortunes', async (_request, response) => server(response).header('Content-Type', 'text/html; charset=utf-8').send(renderFortunes(await db.fortunes())));
app.get('/updates', async (request, response) => server(response).json(await db.updateWorlds(count(request.query_parameters.queries))));

app.listen(Number(process.argv[2] ?? 0), '127.0.0.1').then(() => console.log(`PORT ${app.port}`));
