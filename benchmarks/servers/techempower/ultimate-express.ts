// Peer on uWS: TechEmpower's six tests on ultimate-express 2.2.1 (the same uWebSockets.js build as Typhoon, through package.json's overrides), written as its docs show — Express's code with require('ultimate-express'), default settings — with the same driver and template as every JavaScript server. Usage: DATABASE_URL=postgres://... node dist/benchmarks/servers/techempower/ultimate-express.js <port>
import express from 'ultimate-express';
import uws from 'uWebSockets.js';
import { renderFortunes } from './fortunes-page';
import { queryCount, WorldDatabase } from './world-database';

// The peer loads the uWebSockets.js this does (package.json's overrides): never its JavaScript fallback.
if (!/\[native code\]/.test(Function.prototype.toString.call(uws.App))) {
  console.error('uWebSockets.js is running its JavaScript fallback; refusing to benchmark it');
  process.exit(2);
}

const db = new WorldDatabase();
const app = express();
const count = (queries: unknown) => queryCount(typeof queries === 'string' ? queries : null);

// uWS writes Date; TFB also wants Server, set in each route as Fastify's server does (no middleware
// for every request to pass through first).
app.get('/plaintext', (_request, response) => response.set('Server', 'ultimate-express').type('text/plain').send('Hello, World!'));
app.get('/json', (_request, response) => response.set('Server', 'ultimate-express').json({ message: 'Hello, World!' }));
app.get('/db', async (_request, response) => response.set('Server', 'ultimate-express').json(await db.findWorld()));
app.get('/queries', async (request, response) => response.set('Server', 'ultimate-express').json(await db.findWorlds(count(request.query.queries))));
app.get('/fortunes', async (_request, response) => response.set('Server', 'ultimate-express').type('text/html; charset=utf-8').send(renderFortunes(await db.fortunes())));
app.get('/updates', async (request, response) => response.set('Server', 'ultimate-express').json(await db.updateWorlds(count(request.query.queries))));

// uWS binds before listen() returns (ultimate-express calls back from inside it, before `server` is assigned).
const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1');
const address = server.address();
console.log(`PORT ${typeof address === 'object' && address ? address.port : 0}`);
