// Peer on uWS: hyper-express 6.8.6 on the same uWebSockets.js build as Typhoon (package.json's overrides), written as its docs show: a Server with routes, async handlers, LiveDirectory for static files, Server.ws() and publish(). Usage: node hyper-express.js <port> <static-dir>
'use strict';
const HyperExpress = require('hyper-express');
const LiveDirectory = require('live-directory');

// The peer loads the uWebSockets.js this does (package.json's overrides): never its JavaScript fallback.
if (!/\[native code\]/.test(Function.prototype.toString.call(require('uWebSockets.js').App))) {
  console.error('uWebSockets.js is running its JavaScript fallback; refusing to benchmark it');
  process.exit(2);
}

const [port, staticDir] = [Number(process.argv[2] ?? 0), process.argv[3]];
const store = new Map(Array.from({ length: 1000 }, (_, i) => [String(i), `item ${i}`]));
/** The asynchronous lookup every server's /json/:id awaits (Typhoon: an injected service's async find()). */
const find = async (id) => store.get(id) ?? null;

const server = new HyperExpress.Server();
server.get('/', (request, response) => {
  response.type('text').send('Hello, World!');
});
server.get('/json/:id', async (request, response) => {
  const id = request.path_parameters.id;
  response.json({ id, name: await find(id) });
});
server.get('/json-sync/:id', (request, response) => {
  const id = request.path_parameters.id;
  response.json({ id, name: store.get(id) ?? null });
});

// Static files the way hyper-express's docs (docs/LiveDirectory.md) serve them: every file of the
// folder kept in memory by LiveDirectory, looked up by path.
const assets = new LiveDirectory({ path: staticDir });
server.get('/static/*', (request, response) => {
  const file = assets.get(request.path.replace('/static', ''));
  if (file === undefined) return response.status(404).send();
  return response.type(file.extension).send(file.buffer);
});

// The same WebSocket settings as every server of the benchmark: 1 MiB messages, no idle timeout.
const ws = { max_payload_length: 1 << 20, idle_timeout: 0, max_backpressure: 1 << 20 };
server.ws('/echo', ws, (socket) => {
  socket.on('message', (message, isBinary) => socket.send(message, isBinary));
});
server.ws('/broadcast', ws, (socket) => {
  socket.subscribe('all');
  socket.on('message', (message, isBinary) => server.publish('all', message, isBinary));
});

assets
  .ready()
  .then(() => server.listen(port, '127.0.0.1'))
  .then(() => console.log(`PORT ${server.port}`))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
