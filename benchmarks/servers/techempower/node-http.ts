// Reference: TechEmpower's six tests on plain node:http, with the same driver and template as every JavaScript server. Usage: DATABASE_URL=postgres://... node dist/benchmarks/servers/techempower/node-http.js <port>
import http from 'node:http';
import { renderFortunes } from './fortunes-page';
import { queryCount, WorldDatabase } from './world-database';

const db = new WorldDatabase();
const JSON_TYPE = 'application/json';

// node:http writes Date (and Content-Length for end(body) after writeHead without one: it
// computes it when the whole body is given to end()). TFB also wants Server.
function send(response: http.ServerResponse, type: string, body: string): void {
  response.writeHead(200, { Server: 'node', 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function respond(response: http.ServerResponse, type: string, work: Promise<string>): void {
  work.then(
    (body) => send(response, type, body),
    (error: unknown) => {
      console.error(error);
      response.writeHead(500, { Server: 'node' }).end();
    },
  );
}

const server = http.createServer((request, response) => {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const count = () => queryCount(query === -1 ? null : new URLSearchParams(url.slice(query + 1)).get('queries'));
  switch (path) {
    case '/plaintext':
      return send(response, 'text/plain', 'Hello, World!');
    case '/json':
      return send(response, JSON_TYPE, JSON.stringify({ message: 'Hello, World!' }));
    case '/db':
      return respond(response, JSON_TYPE, db.findWorld().then(JSON.stringify));
    case '/queries':
      return respond(response, JSON_TYPE, db.findWorlds(count()).then(JSON.stringify));
    case '/fortunes':
      return respond(response, 'text/html; charset=utf-8', db.fortunes().then(renderFortunes));
    case '/updates':
      return respond(response, JSON_TYPE, db.updateWorlds(count()).then(JSON.stringify));
    default:
      response.writeHead(404, { Server: 'node' }).end();
  }
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`PORT ${typeof address === 'object' && address ? address.port : 0}`);
});
