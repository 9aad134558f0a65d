// Reference: TechEmpower's six tests on Express 5 (default settings), with the same driver and template as every JavaScript server. Usage: DATABASE_URL=postgres://... node dist/benchmarks/servers/techempower/express.js <port>
import express, { type NextFunction, type Request, type Response } from 'express';
import { renderFortunes } from './fortunes-page';
import { queryCount, WorldDatabase } from './world-database';

const db = new WorldDatabase();
const app = express();
const count = (request: Request) => queryCount(typeof request.query.queries === 'string' ? request.query.queries : null);

// node:http writes Date; TFB also wants Server on every response.
app.use((_request: Request, response: Response, next: NextFunction) => {
  response.set('Server', 'Express');
  next();
});
app.get('/plaintext', (_request, response) => void response.type('text/plain').send('Hello, World!'));
app.get('/json', (_request, response) => void response.json({ message: 'Hello, World!' }));
app.get('/db', async (_request, response) => void response.json(await db.findWorld()));
app.get('/queries', async (request, response) => void response.json(await db.findWorlds(count(request))));
app.get('/fortunes', async (_request, response) => void response.type('text/html; charset=utf-8').send(renderFortunes(await db.fortunes())));
app.get('/updates', async (request, response) => void response.json(await db.updateWorlds(count(request))));

const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`PORT ${typeof address === 'object' && address ? address.port : 0}`);
});
