// Reference: Express with the benchmark routes (HTTP only). Usage: node express.js <port> <static-dir>
'use strict';
const express = require('express');
const [port, staticDir] = [Number(process.argv[2] ?? 0), process.argv[3]];
const store = new Map(Array.from({ length: 1000 }, (_, i) => [String(i), `item ${i}`]));
const app = express();
app.get('/', (_request, response) => response.type('text/plain').send('Hello, World!'));
const find = async (id) => store.get(id) ?? null;
app.get('/json/:id', async (request, response) => response.json({ id: request.params.id, name: await find(request.params.id) }));
app.get('/json-sync/:id', (request, response) => response.json({ id: request.params.id, name: store.get(request.params.id) ?? null }));
app.use('/static', express.static(staticDir));
const server = app.listen(port, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
