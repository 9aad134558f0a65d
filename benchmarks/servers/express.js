// Reference: Express with the benchmark routes (HTTP only). Usage: node express.js <port> <static-dir>
'use strict';
const express = require('express');
const [port, staticDir] = [Number(process.argv[2] ?? 0), process.argv[3]];
const app = express();
require('./express-routes')(app, express, staticDir);
const server = app.listen(port, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
