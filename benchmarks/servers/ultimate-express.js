// Peer on uWS: ultimate-express 2.2.1 on the same uWebSockets.js build as Typhoon (package.json's overrides), written as its docs show: Express's code with require('ultimate-express') (the same routes as express.js: express-routes.js), express.static() for files, WebSockets on its uWS App (app.uwsApp.ws(), as its README says). Usage: node ultimate-express.js <port> <static-dir>
'use strict';
const express = require('ultimate-express');

// The peer loads the uWebSockets.js this does (package.json's overrides): never its JavaScript fallback.
if (!/\[native code\]/.test(Function.prototype.toString.call(require('uWebSockets.js').App))) {
  console.error('uWebSockets.js is running its JavaScript fallback; refusing to benchmark it');
  process.exit(2);
}
const [port, staticDir] = [Number(process.argv[2] ?? 0), process.argv[3]];
const app = express();
require('./express-routes')(app, express, staticDir);

// ultimate-express has no WebSocket API of its own: its README points to app.uwsApp.ws() (or the
// separate ultimate-ws package), so these are uWS's own handlers on its App.
const ws = { maxPayloadLength: 1 << 20, idleTimeout: 0, maxBackpressure: 1 << 20 };
app.uwsApp.ws('/echo', { ...ws, message: (socket, message, isBinary) => socket.send(message, isBinary) });
app.uwsApp.ws('/broadcast', {
  ...ws,
  open: (socket) => socket.subscribe('all'),
  message: (_socket, message, isBinary) => app.uwsApp.publish('all', message, isBinary),
});
app.listen(port, '127.0.0.1', () => console.log(`PORT ${app.address().port}`));
