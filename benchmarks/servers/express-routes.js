// The benchmark's HTTP routes in Express's API, shared by Express (express.js) and
// ultimate-express (ultimate-express.js), so the two run the same code by construction.
'use strict';

const store = new Map(Array.from({ length: 1000 }, (_, i) => [String(i), `item ${i}`]));
/** The asynchronous lookup every server's /json/:id awaits (Typhoon: an injected service's async find()). */
const find = async (id) => store.get(id) ?? null;

/** Adds plaintext, async and sync JSON, and `staticDir` under /static to `app`, made by `express`. */
module.exports = function addRoutes(app, express, staticDir) {
  app.get('/', (_request, response) => response.type('text/plain').send('Hello, World!'));
  app.get('/json/:id', async (request, response) => response.json({ id: request.params.id, name: await find(request.params.id) }));
  app.get('/json-sync/:id', (request, response) => response.json({ id: request.params.id, name: store.get(request.params.id) ?? null }));
  app.use('/static', express.static(staticDir));
};
