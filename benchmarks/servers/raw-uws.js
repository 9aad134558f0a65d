// Reference: raw uWebSockets.js, the ceiling. Same routes as every benchmark server. Usage: node raw-uws.js <port> <static-dir> [--keep-state]
// --keep-state: each /echo connection keeps one small JavaScript object, as nearly any application
// does (the idle-memory calibration: what per-connection JS state costs on uWS itself).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const uws = require('uWebSockets.js');

if (!/\[native code\]/.test(Function.prototype.toString.call(uws.App))) {
  console.error('uWebSockets.js is running its JavaScript fallback; refusing to benchmark it');
  process.exit(2);
}
const [port, staticDir] = [Number(process.argv[2] ?? 0), process.argv[3]];
const keepState = process.argv.includes('--keep-state');
let connections = 0;
const store = new Map(Array.from({ length: 1000 }, (_, i) => [String(i), `item ${i}`]));
/** The asynchronous lookup every server's /json/:id awaits (a resolved promise: the cost of the async path itself). */
const find = async (id) => store.get(id) ?? null;
const files = {
  '4k.bin': fs.readFileSync(path.join(staticDir, '4k.bin')),
  '10m.bin': fs.readFileSync(path.join(staticDir, '10m.bin')),
};

const app = uws.App();
app.get('/', (res) => {
  res.writeHeader('Content-Type', 'text/plain').end('Hello, World!');
});
// uWS's canonical async pattern: copy what the request holds, attach onAborted, await, then cork.
app.get('/json/:id', (res, req) => {
  const id = req.getParameter(0);
  let aborted = false;
  res.onAborted(() => (aborted = true));
  find(id).then((name) => {
    if (!aborted) res.cork(() => res.writeHeader('Content-Type', 'application/json').end(JSON.stringify({ id, name })));
  });
});
app.get('/json-sync/:id', (res, req) => {
  const id = req.getParameter(0);
  res.writeHeader('Content-Type', 'application/json').end(JSON.stringify({ id, name: store.get(id) ?? null }));
});
app.get('/static/:file', (res, req) => {
  const body = files[req.getParameter(0)];
  if (!body) return void res.writeStatus('404 Not Found').end();
  res.writeHeader('Content-Type', 'application/octet-stream').end(body);
});
const ws = { maxPayloadLength: 1 << 20, idleTimeout: 0, maxBackpressure: 1 << 20 };
app.ws('/echo', {
  ...ws,
  // 8 fields: an id, who and where, when, and counters (≈ 150 bytes with uWS's property store).
  ...(keepState && {
    open: (socket) => {
      socket.state = { id: ++connections, user: null, room: null, joinedAt: Date.now(), lastMessageAt: 0, messages: 0, bytes: 0, flags: 0 };
    },
  }),
  message: (socket, message, binary) => socket.send(message, binary),
});
app.ws('/broadcast', {
  ...ws,
  open: (socket) => socket.subscribe('all'),
  message: (_socket, message, binary) => app.publish('all', message, binary),
});
app.listen('127.0.0.1', port, (listen) => {
  if (!listen) process.exit(1);
  console.log(`PORT ${uws.us_socket_local_port(listen)}`);
});
