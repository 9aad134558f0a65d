import { expect } from 'chai';
import { Application, ConfigurationError, inject, injectable, RequestHandler, Route, singleton, scoped, Lifecycle } from '../../lib';
import { TestServer } from '../../lib/testing';

@singleton()
class Counter {
  count = 0;
}

@injectable()
class Greeter {
  static made = 0;
  constructor(readonly counter: Counter) {
    Greeter.made++;
  }
  greet(name: string) {
    return `hello ${name} #${++this.counter.count}`;
  }
}

@scoped(Lifecycle.ContainerScoped)
class PerAppState {
  items: string[] = [];
}

let handlerInstances = new Set<unknown>();

@Route('/greet/:name')
class GreetHandler extends RequestHandler {
  constructor(private greeter: Greeter, private state: PerAppState) {
    super();
    handlerInstances.add(this);
  }
  get(name: string) {
    this.state.items.push(name);
    this.write({ text: this.greeter.greet(name), items: this.state.items.length });
  }
}

@Route('/token')
class TokenHandler extends RequestHandler {
  constructor(@inject('greeting') private greeting: string, private app: Application) {
    super();
  }
  get() {
    this.write({ greeting: this.greeting, sameApp: this.app === this.application });
  }
}

@Route('/missing-dep')
class MissingDepHandler extends RequestHandler {
  constructor(@inject('not-registered') private thing: string) {
    super();
  }
  get() {
    this.write(String(this.thing));
  }
}

/** A per-request service two levels deep: Audit ← Checkout ← handler, with a singleton and an @inject token. */
@injectable()
class Audit {
  static made = 0;
  constructor(readonly counter: Counter, @inject('greeting') readonly greeting: string) {
    Audit.made++;
  }
}

@injectable()
class Checkout {
  constructor(readonly audit: Audit) {}
}

/** Disposable: the container keeps what it makes, to dispose of it. */
@injectable()
class Session {
  static disposed = new Set<Session>();
  dispose() {
    Session.disposed.add(this);
  }
}

const checkouts: Checkout[] = [];
const sessions: Session[] = [];

@Route('/checkout')
class CheckoutHandler extends RequestHandler {
  constructor(private checkout: Checkout, private session: Session, private custom: PerAppState) {
    super();
    checkouts.push(checkout);
    sessions.push(session);
  }
  get() {
    this.write({ greeting: this.checkout.audit.greeting, count: ++this.checkout.audit.counter.count, custom: this.custom.items.join() });
  }
}

describe('dependency injection', () => {
  it('makes @injectable() services per request, nested ones too, with their singletons and tokens; registered providers and disposables through the container', async () => {
    const app = new Application({ handlers: [CheckoutHandler] });
    app.container.register('greeting', { useValue: 'hi' });
    const custom = new PerAppState();
    custom.items.push('registered');
    app.container.register(PerAppState, { useValue: custom });
    const server = await TestServer.start(app);
    try {
      const answers = [(await server.fetch('/checkout')).json()];
      // The first request resolves each dependency twice to learn which are the same each time.
      const madeAfterFirst = Audit.made;
      for (let i = 0; i < 2; i++) answers.push((await server.fetch('/checkout')).json());
      expect(answers).to.deep.equal([1, 2, 3].map((count) => ({ greeting: 'hi', count, custom: 'registered' })));
      // Then a new Checkout and Audit per request, and one Counter for all.
      expect(Audit.made - madeAfterFirst).to.equal(2);
      expect(new Set(checkouts).size).to.equal(checkouts.length);
      expect(new Set(checkouts.map((checkout) => checkout.audit)).size).to.equal(checkouts.length);
      expect(new Set(checkouts.map((checkout) => checkout.audit.counter)).size).to.equal(1);
      expect(new Set(sessions).size).to.equal(sessions.length);
      await app.container.dispose();
      // Every Session a handler got was made by the container, which disposes of them.
      expect(sessions.every((session) => Session.disposed.has(session))).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it('creates a new handler per request and injects services through the constructor', async () => {
    handlerInstances = new Set();
    const server = await TestServer.start(new Application({ handlers: [GreetHandler] }));
    try {
      const first = await server.fetch('/greet/ann');
      const second = await server.fetch('/greet/bob');
      expect(first.json()).to.deep.equal({ text: 'hello ann #1', items: 1 });
      expect(second.json()).to.deep.equal({ text: 'hello bob #2', items: 2 });
      expect(handlerInstances.size).to.equal(2);
    } finally {
      await server.close();
    }
  });

  it('keeps container-scoped state per application: two apps never share it', async () => {
    const a = await TestServer.start(new Application({ handlers: [GreetHandler] }));
    const b = await TestServer.start(new Application({ handlers: [GreetHandler] }));
    try {
      await a.fetch('/greet/x');
      await a.fetch('/greet/y');
      const fromB = await b.fetch('/greet/z');
      expect(fromB.json<{ items: number }>().items).to.equal(1);
      expect(a.app.container.resolve(PerAppState)).to.not.equal(b.app.container.resolve(PerAppState));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('makes @singleton() services one per application, kept across requests', async () => {
    const a = await TestServer.start(new Application({ handlers: [GreetHandler] }));
    const b = await TestServer.start(new Application({ handlers: [GreetHandler] }));
    try {
      expect((await a.fetch('/greet/1')).json<{ text: string }>().text).to.equal('hello 1 #1');
      expect((await a.fetch('/greet/2')).json<{ text: string }>().text).to.equal('hello 2 #2');
      expect((await b.fetch('/greet/3')).json<{ text: string }>().text).to.equal('hello 3 #1');
      expect(a.app.container.resolve(Counter)).to.equal(a.app.container.resolve(Counter));
      expect(a.app.container.resolve(Counter)).to.not.equal(b.app.container.resolve(Counter));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('resolves tokens registered on app.container and injects the Application', async () => {
    const app = new Application({ handlers: [TokenHandler] });
    app.container.register('greeting', { useValue: 'ahoy' });
    const server = await TestServer.start(app);
    try {
      expect((await server.fetch('/token')).json()).to.deep.equal({ greeting: 'ahoy', sameApp: true });
    } finally {
      await server.close();
    }
  });

  it('refuses to start when a dependency cannot be resolved, instead of a 500 on every request (spec/di/graph-check.spec.ts has the rest)', async () => {
    const error = await TestServer.start(new Application({ handlers: [MissingDepHandler] })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigurationError);
    expect((error as Error).message).to.contain("MissingDepHandler cannot be made by the container: parameter #0 (thing) of its constructor is @inject('not-registered')");
  });

  it('creates handlers without constructor parameters without touching the container', async () => {
    class Plain extends RequestHandler {
      get() {
        this.write('plain');
      }
    }
    const app = new Application({ handlers: [['/p', Plain]] });
    let resolves = 0;
    const original = app.container.resolve.bind(app.container);
    app.container.resolve = ((token: never) => {
      resolves++;
      return original(token);
    }) as typeof app.container.resolve;
    const server = await TestServer.start(app);
    try {
      expect((await server.fetch('/p')).text).to.equal('plain');
      expect(resolves).to.equal(0);
    } finally {
      await server.close();
    }
  });
});
