// Reference: Fastify with the benchmark routes (HTTP only). Usage: node fastify.js <port> <static-dir>
'use strict';
const fastify = require('fastify')({ logger: false });
const [port, staticDir] = [Number(process.argv[2] ?? 0), process.argv[3]];
const store = new Map(Array.from({ length: 1000 }, (_, i) => [String(i), `item ${i}`]));
fastify.register(require('@fastify/static'), { root: staticDir, prefix: '/static/' });
fastify.get('/', (_request, reply) => reply.type('text/plain').send('Hello, World!'));
const find = async (id) => store.get(id) ?? null;
fastify.get('/json/:id', async (request) => ({ id: request.params.id, name: await find(request.params.id) }));
fastify.get('/json-sync/:id', (request) => ({ id: request.params.id, name: store.get(request.params.id) ?? null }));
fastify.listen({ port, host: '127.0.0.1' }).then(() => console.log(`PORT ${fastify.server.address().port}`));
