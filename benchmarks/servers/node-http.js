// Reference: plain node:http (and the ws package for WebSockets) with the benchmark routes. Usage: node node-http.js <port> <static-dir>
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { WebSocketServer } = require('ws');
const [port, staticDir] = [Number(process.argv[2] ?? 0), process.argv[3]];
const store = new Map(Array.from({ length: 1000 }, (_, i) => [String(i), `item ${i}`]));
const find = async (id) => store.get(id) ?? null;

const server = http.createServer((request, response) => {
  if (request.url === '/') {
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    return response.end('Hello, World!');
  }
  if (request.url.startsWith('/json/')) {
    const id = request.url.slice(6);
    return find(id).then((name) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ id, name }));
    });
  }
  if (request.url.startsWith('/json-sync/')) {
    const id = request.url.slice(11);
    response.writeHead(200, { 'Content-Type': 'application/json' });
    return response.end(JSON.stringify({ id, name: store.get(id) ?? null }));
  }
  if (request.url.startsWith('/static/')) {
    const file = path.join(staticDir, path.basename(request.url));
    return fs.stat(file, (error, stats) => {
      if (error) {
        response.writeHead(404);
        return response.end();
      }
      response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': stats.size });
      fs.createReadStream(file).pipe(response);
    });
  }
  response.writeHead(404);
  response.end();
});
const echo = new WebSocketServer({ noServer: true });
const broadcast = new WebSocketServer({ noServer: true });
echo.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(data, { binary })));
broadcast.on('connection', (socket) => socket.on('message', (data, binary) => {
  for (const client of broadcast.clients) client.send(data, { binary });
}));
server.on('upgrade', (request, socket, head) => {
  const target = request.url === '/echo' ? echo : request.url === '/broadcast' ? broadcast : null;
  if (!target) return socket.destroy();
  target.handleUpgrade(request, socket, head, (ws) => target.emit('connection', ws, request));
});
server.listen(port, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
