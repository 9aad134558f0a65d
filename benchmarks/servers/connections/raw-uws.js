// Reference for the connections benchmark: raw uWebSockets.js, every WebSocket on /feed subscribed to one topic, with uWS's defaults (idle timeout 120 s, automatic pings). Usage: node --expose-gc raw-uws.js <port> [--keep-state]
// --keep-state: each connection keeps one 8-field JavaScript object, as nearly any application does (the calibration row).
// Control routes (as in every server of this benchmark): GET /control/broadcast?seq=N publishes "N:<CLOCK_MONOTONIC µs>" to every client and answers
// { seq, sentMicros, publishMicros, connections }; GET /control/gc runs a full collection; GET /control/stats answers { connections } (and, from the Node.js servers, heapUsed, newSpace and oldSpace in bytes: V8 heap in use, young and old generation sizes).
'use strict';
const uws = require('uWebSockets.js');

if (!/\[native code\]/.test(Function.prototype.toString.call(uws.App))) {
  console.error('uWebSockets.js is running its JavaScript fallback; refusing to benchmark it');
  process.exit(2);
}
const port = Number(process.argv[2] ?? 0);
const keepState = process.argv.includes('--keep-state');
const v8 = require('node:v8');
const micros = () => Number(process.hrtime.bigint() / 1000n);
/** V8's view of the process: heap in use, and the young generation's size (it grows with long-lived allocations). */
const heap = () => {
  const spaces = v8.getHeapSpaceStatistics();
  const size = (name) => spaces.find((space) => space.space_name === name)?.space_size ?? 0;
  return { heapUsed: process.memoryUsage().heapUsed, newSpace: size('new_space'), oldSpace: size('old_space') };
};
let connections = 0;
let ids = 0;

const app = uws.App();
app.ws('/feed', {
  open: (ws) => {
    connections++;
    // 8 fields: an id, who and where, when, and counters (≈ 150 bytes with uWS's property store).
    if (keepState) ws.state = { id: ++ids, user: null, room: null, joinedAt: Date.now(), lastMessageAt: 0, messages: 0, bytes: 0, flags: 0 };
    ws.subscribe('feed');
  },
  close: () => connections--,
});
app.get('/control/broadcast', (res, req) => {
  const seq = Number(req.getQuery('seq'));
  const sentMicros = micros();
  app.publish('feed', `${seq}:${sentMicros}`, false);
  const publishMicros = micros() - sentMicros;
  res.writeHeader('Content-Type', 'application/json').end(JSON.stringify({ seq, sentMicros, publishMicros, connections }));
});
app.get('/control/gc', (res) => {
  global.gc?.();
  res.end(JSON.stringify({ gc: typeof global.gc === 'function' }));
});
app.get('/control/stats', (res) => res.end(JSON.stringify({ connections, ...heap() })));
app.listen('127.0.0.1', port, (listen) => {
  if (!listen) process.exit(1);
  console.log(`PORT ${uws.us_socket_local_port(listen)}`);
});
