// Reference: TechEmpower's six tests on Fastify, with response schemas (its fast serializer) and the same driver and template as every JavaScript server. Usage: DATABASE_URL=postgres://... node dist/benchmarks/servers/techempower/fastify.js <port>
import Fastify from 'fastify';
import { renderFortunes } from './fortunes-page';
import { queryCount, WorldDatabase } from './world-database';

const db = new WorldDatabase();
const app = Fastify({ logger: false });
const world = { type: 'object', properties: { id: { type: 'integer' }, randomNumber: { type: 'integer' } } } as const;
const worlds = { response: { 200: { type: 'array', items: world } } };
type Queries = { Querystring: { queries?: string } };

// node:http writes Date; TFB also wants Server on every response.
app.get('/plaintext', (_request, reply) => reply.header('Server', 'Fastify').type('text/plain').send('Hello, World!'));
app.get('/json', { schema: { response: { 200: { type: 'object', properties: { message: { type: 'string' } } } } } }, (_request, reply) =>
  reply.header('Server', 'Fastify').send({ message: 'Hello, World!' }),
);
app.get('/db', { schema: { response: { 200: world } } }, async (_request, reply) => reply.header('Server', 'Fastify').send(await db.findWorld()));
app.get<Queries>('/queries', { schema: worlds }, async (request, reply) => reply.header('Server', 'Fastify').send(await db.findWorlds(queryCount(request.query.queries))));
app.get('/fortunes', async (_request, reply) => reply.header('Server', 'Fastify').type('text/html; charset=utf-8').send(renderFortunes(await db.fortunes())));
app.get<Queries>('/updates', { schema: worlds }, async (request, reply) => reply.header('Server', 'Fastify').send(await db.updateWorlds(queryCount(request.query.queries))));

app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' }).then(() => {
  const address = app.server.address();
  console.log(`PORT ${typeof address === 'object' && address ? address.port : 0}`);
});
