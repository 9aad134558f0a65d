// TechEmpower's six tests on Typhoon, written as an application would be: @Route handlers with async verbs, the database pool in a singleton service injected by constructor, fortunes rendered from a Handlebars template. Usage: DATABASE_URL=postgres://... node dist/benchmarks/servers/techempower/typhoon.js <port> (TYPHOON_TRANSPORT=uws|node)
import { Application, configureLogging, RequestHandler, Route, singleton } from '../../../lib';
import { TEMPLATES } from './fortunes-page';
import { queryCount, WorldDatabase } from './world-database';

configureLogging({ level: 'warn' });

/** The pool, one per application (`$DATABASE_URL`). */
@singleton()
export class Database extends WorldDatabase {}

/** TFB wants a `Server` header on every response (Typhoon adds `Date` itself). */
abstract class BenchmarkHandler extends RequestHandler {
  override setDefaultHeaders() {
    this.setHeader('Server', 'Typhoon');
  }
}

@Route('/plaintext')
export class PlaintextHandler extends BenchmarkHandler {
  get() {
    this.setHeader('Content-Type', 'text/plain');
    this.write('Hello, World!');
  }
}

@Route('/json')
export class JsonHandler extends BenchmarkHandler {
  get() {
    this.write({ message: 'Hello, World!' });
  }
}

@Route('/db')
export class SingleQueryHandler extends BenchmarkHandler {
  constructor(private readonly db: Database) {
    super();
  }
  async get() {
    this.write(await this.db.findWorld());
  }
}

@Route('/queries')
export class MultipleQueriesHandler extends BenchmarkHandler {
  constructor(private readonly db: Database) {
    super();
  }
  async get() {
    this.write(await this.db.findWorlds(queryCount(this.getQueryArgument('queries', null))));
  }
}

@Route('/fortunes')
export class FortunesHandler extends BenchmarkHandler {
  constructor(private readonly db: Database) {
    super();
  }
  async get() {
    await this.render('fortunes.html', { fortunes: await this.db.fortunes() });
  }
}

@Route('/updates')
export class UpdatesHandler extends BenchmarkHandler {
  constructor(private readonly db: Database) {
    super();
  }
  async get() {
    this.write(await this.db.updateWorlds(queryCount(this.getQueryArgument('queries', null))));
  }
}

const port = Number(process.argv[2] ?? 0);
void new Application({
  handlers: [PlaintextHandler, JsonHandler, SingleQueryHandler, MultipleQueriesHandler, FortunesHandler, UpdatesHandler],
  templatePath: TEMPLATES,
})
  .listen(port, '127.0.0.1')
  .then((server) => console.log(`PORT ${server.port}`));
