// Reference for the connections benchmark: node:http and the ws package, a broadcast being a loop over the clients. Usage: node --expose-gc node-http.js <port>
// Control routes as in raw-uws.js: /control/broadcast?seq=N, /control/gc, /control/stats.
'use strict';
const http = require('node:http');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] ?? 0);
const v8 = require('node:v8');
const micros = () => Number(process.hrtime.bigint() / 1000n);
/** V8's view of the process: heap in use, and the young generation's size (it grows with long-lived allocations). */
const heap = () => {
  const spaces = v8.getHeapSpaceStatistics();
  const size = (name) => spaces.find((space) => space.space_name === name)?.space_size ?? 0;
  return { heapUsed: process.memoryUsage().heapUsed, newSpace: size('new_space'), oldSpace: size('old_space') };
};
const feed = new WebSocketServer({ noServer: true });

const server = http.createServer((request, response) => {
  const url = new URL(request.url, 'http://localhost');
  response.setHeader('Content-Type', 'application/json');
  if (url.pathname === '/control/broadcast') {
    const seq = Number(url.searchParams.get('seq'));
    const sentMicros = micros();
    const message = `${seq}:${sentMicros}`;
    for (const client of feed.clients) client.send(message);
    const publishMicros = micros() - sentMicros;
    return response.end(JSON.stringify({ seq, sentMicros, publishMicros, connections: feed.clients.size }));
  }
  if (url.pathname === '/control/gc') {
    global.gc?.();
    return response.end(JSON.stringify({ gc: typeof global.gc === 'function' }));
  }
  if (url.pathname === '/control/stats') return response.end(JSON.stringify({ connections: feed.clients.size, ...heap() }));
  response.statusCode = 404;
  response.end('{}');
});
server.on('upgrade', (request, socket, head) => {
  if (request.url !== '/feed') return socket.destroy();
  feed.handleUpgrade(request, socket, head, (ws) => feed.emit('connection', ws, request));
});
server.listen(port, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
