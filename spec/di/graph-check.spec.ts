import { expect } from 'chai';
import { Application, ConfigurationError, inject, injectAll, injectable, RequestHandler, Route, singleton, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import type { SystemClock } from '../fixtures/system-clock';
import { captureLogs } from '../helpers/logs';

interface Clock {
  now(): number;
}

const FIX = 'Inject it with @inject(token), a token registered on app.container before listen() (app.container.register(token, { useValue | useClass | useFactory })), or give the parameter a class type, imported with a plain import.';
const OBJECT = 'has no runtime type: TypeScript recorded Object (an interface, a union, a type alias or an inferred type)';

@Route('/interface')
class InterfaceHandler extends RequestHandler {
  constructor(private readonly clock: Clock) {
    super();
  }
  get() {
    this.write(String(this.clock.now()));
  }
}

@Route('/type-only')
class TypeOnlyHandler extends RequestHandler {
  constructor(private readonly clock: SystemClock) {
    super();
  }
  get() {
    this.write(String(this.clock.now()));
  }
}

@singleton()
class Ledger {
  constructor(readonly clock: Clock) {}
}

@injectable()
class Billing {
  constructor(readonly ledger: Ledger) {}
}

@Route('/billing')
class BillingHandler extends RequestHandler {
  constructor(private readonly audit: Billing) {
    super();
  }
  get() {
    this.write(String(this.audit.ledger.clock.now()));
  }
}

/** Not decorated: the compiler records no parameter types for it. */
class Plain {
  constructor(readonly size: number) {}
}

@Route('/plain')
class PlainServiceHandler extends RequestHandler {
  constructor(private readonly plain: Plain) {
    super();
  }
  get() {
    this.write(String(this.plain.size));
  }
}

@injectable()
class Greeter {
  constructor(readonly greeting = 'hello') {}
}

@Route('/greeter')
class GreeterHandler extends RequestHandler {
  constructor(private readonly greeter: Greeter) {
    super();
  }
  get() {
    this.write(this.greeter.greeting);
  }
}

/** Every parameter has a default (its length is 0): made with `new`, defaults applied. */
@Route('/defaults')
class DefaultsHandler extends RequestHandler {
  constructor(private readonly greeting = 'hi', private readonly times = 2) {
    super();
  }
  get() {
    this.write(this.greeting.repeat(this.times));
  }
}

class RealClock implements Clock {
  now() {
    return 42;
  }
}

@Route('/registered')
class RegisteredHandler extends RequestHandler {
  constructor(
    @inject('clock') private readonly clock: Clock,
    @inject('made') private readonly made: { by: string },
    @inject('maybe', { isOptional: true }) private readonly maybe: string | undefined,
    @injectAll('plugin') private readonly plugins: string[],
    @injectAll('extra', { isOptional: true }) private readonly extras: string[],
    @inject('real') private readonly real: Clock,
  ) {
    super();
  }
  get() {
    this.write({ clock: this.clock.now(), made: this.made.by, maybe: this.maybe ?? null, plugins: this.plugins, extras: this.extras, real: this.real.now() });
  }
}

@Route('/plugins')
class PluginsHandler extends RequestHandler {
  constructor(@injectAll('nothing') private readonly plugins: string[]) {
    super();
  }
  get() {
    this.write(this.plugins.join());
  }
}

@injectable()
class Chicken {
  constructor(@inject('egg') readonly egg: unknown) {}
}

@injectable()
class Egg {
  constructor(@inject('chicken') readonly chicken: unknown) {}
}

@Route('/farm')
class FarmHandler extends RequestHandler {
  constructor(@inject('chicken') private readonly chicken: Chicken) {
    super();
  }
  get() {
    this.write(String(Boolean(this.chicken)));
  }
}

@injectable()
class LateTokenHandler extends RequestHandler {
  constructor(@inject('late') private readonly value: string) {
    super();
  }
  get() {
    this.write(this.value);
  }
}

@WebSocket('/socket')
class InterfaceSocket extends WebSocketHandler {
  constructor(private readonly clock: Clock) {
    super();
  }
  override async open() {
    await this.writeMessage(String(this.clock.now()));
  }
}

/** The ConfigurationError a start refuses with (fails the test when it starts). */
async function refusal(start: Promise<unknown>): Promise<string> {
  const outcome = await start.then((started) => started, (error: unknown) => error);
  if (outcome instanceof TestServer) await outcome.close();
  expect(outcome).to.be.instanceOf(ConfigurationError);
  return (outcome as Error).message;
}

describe('the DI graph, checked when the application starts serving', function () {
  this.timeout(20_000);

  it('refuses a handler that injects an interface at listen(), inject() and TestServer.start(), naming the class, the parameter and the fix', async () => {
    const expected = `InterfaceHandler cannot be made by the container: parameter #0 (clock) of its constructor ${OBJECT}. ${FIX}`;
    const app = new Application({ handlers: [InterfaceHandler] });
    expect(await refusal(app.listen(0, '127.0.0.1'))).to.equal(expected);
    expect(await refusal(new Application({ handlers: [InterfaceHandler] }).inject('/interface'))).to.equal(expected);
    expect(await refusal(TestServer.start(new Application({ handlers: [InterfaceHandler] })))).to.equal(expected);
  });

  it('refuses a class imported with "import type" (TypeScript records Function for it)', async () => {
    expect(await refusal(new Application({ handlers: [TypeOnlyHandler] }).inject('/type-only'))).to.equal(
      `TypeOnlyHandler cannot be made by the container: parameter #0 (clock) of its constructor has no runtime type: TypeScript recorded Function (a class imported with "import type", or a function type). ${FIX}`,
    );
  });

  it('follows services down and names the way from the handler to the parameter', async () => {
    expect(await refusal(new Application({ handlers: [BillingHandler] }).inject('/billing'))).to.equal(
      `BillingHandler cannot be made by the container: parameter #0 (clock) of Ledger (BillingHandler → Billing → Ledger) ${OBJECT}. ${FIX}`,
    );
  });

  it('refuses a service the container knows nothing about', async () => {
    expect(await refusal(new Application({ handlers: [PlainServiceHandler] }).inject('/plain'))).to.equal(
      'PlainServiceHandler cannot be made by the container: parameter #0 (plain) of its constructor is Plain, which takes 1 constructor argument(s) that the container knows nothing about. ' +
        'Decorate Plain with @injectable() or @singleton() (compiled by tsc with "emitDecoratorMetadata"), or register it on app.container with a factory.',
    );
  });

  it('refuses a primitive with a default in a service, saying the default is not used, and takes the service registered by value; serves a handler whose parameters all have defaults (made with new)', async () => {
    expect(await refusal(new Application({ handlers: [GreeterHandler, DefaultsHandler] }).inject('/greeter'))).to.equal(
      `GreeterHandler cannot be made by the container: parameter #0 (greeting) of Greeter (GreeterHandler → Greeter) ${OBJECT}. ${FIX} ` +
        'Its default value is not used: the container fills every parameter of a class it constructs.',
    );
    const app = new Application({ handlers: [DefaultsHandler, GreeterHandler] });
    app.container.register(Greeter, { useValue: new Greeter('hey') });
    expect((await app.inject('/defaults')).text).to.equal('hihi');
    expect((await app.inject('/greeter')).text).to.equal('hey');
  });

  it('takes what is registered on app.container after construction, before serving: values, factories, classes, several providers, optional tokens', async () => {
    expect(await refusal(new Application({ handlers: [RegisteredHandler] }).inject('/registered'))).to.contain(
      "RegisteredHandler cannot be made by the container: parameter #0 (clock) of its constructor is @inject('clock'), a token nothing registered.",
    );
    const app = new Application({ handlers: [RegisteredHandler] });
    app.container.register('clock', { useValue: { now: () => 7 } });
    app.container.register('made', { useFactory: () => ({ by: 'factory' }) });
    app.container.register('plugin', { useValue: 'a' });
    app.container.register('plugin', { useValue: 'b' });
    app.container.register('real', { useClass: RealClock });
    const server = await TestServer.start(app);
    try {
      expect((await server.fetch('/registered')).json()).to.deep.equal({ clock: 7, made: 'factory', maybe: null, plugins: ['a', 'b'], extras: [], real: 42 });
    } finally {
      await server.close();
    }
  });

  it('refuses @injectAll of a token nothing registered, and a cycle of constructor parameters', async () => {
    expect(await refusal(new Application({ handlers: [PluginsHandler] }).inject('/plugins'))).to.equal(
      "PluginsHandler cannot be made by the container: parameter #0 (plugins) of its constructor is @injectAll('nothing'), a token nothing registered. " +
        "Register at least one provider for it on app.container before listen(), or mark it optional: @injectAll('nothing', { isOptional: true }) (an empty array).",
    );
    const farm = new Application({ handlers: [FarmHandler] });
    farm.container.register('chicken', { useClass: Chicken });
    farm.container.register('egg', { useClass: Egg });
    expect(await refusal(farm.inject('/farm'))).to.equal(
      'FarmHandler cannot be made by the container: FarmHandler → Chicken → Egg → Chicken is a cycle of constructor parameters, which the container would follow forever. ' +
        'Break it with @inject(delay(() => Chicken)) on one side.',
    );
  });

  it('checks WebSocket handlers too, and lists every handler that cannot be made in one error', async () => {
    const message = await refusal(TestServer.start(new Application({ handlers: [InterfaceSocket, InterfaceHandler] })));
    expect(message).to.equal(
      '2 handler classes cannot be made by the container:\n' +
        `- InterfaceHandler cannot be made by the container: parameter #0 (clock) of its constructor ${OBJECT}. ${FIX}\n` +
        `- InterfaceSocket cannot be made by the container: parameter #0 (clock) of its constructor ${OBJECT}. ${FIX}`,
    );
  });

  it('lets a refused start be retried once the missing token is registered', async () => {
    const app = new Application({ handlers: [['/late-token', LateTokenHandler], ['/defaults', DefaultsHandler]] });
    expect(await refusal(app.inject('/late-token'))).to.contain("LateTokenHandler cannot be made by the container: parameter #0 (value) of its constructor is @inject('late')");
    app.container.register('late', { useValue: 'registered late' });
    expect((await app.inject('/late-token')).text).to.equal('registered late');
    expect((await app.inject('/defaults')).text).to.equal('hihi');
  });

  it('gives a @singleton() declared after the application was made one instance per application, as one declared before, whenever it is first resolved', async () => {
    const a = new Application({ handlers: [] });
    const b = new Application({ handlers: [] });
    @singleton()
    class LateCounter {
      count = 0;
    }
    @Route('/count')
    class CountHandler extends RequestHandler {
      constructor(private readonly counter: LateCounter) {
        super();
      }
      get() {
        this.write(String(++this.counter.count));
      }
    }
    a.addHandlers([CountHandler]);
    b.addHandlers([CountHandler]);
    // Resolved before serving starts, it is already the instance the handlers get.
    a.container.resolve(LateCounter).count = 10;
    expect([(await a.inject('/count')).text, (await a.inject('/count')).text, (await b.inject('/count')).text]).to.deep.equal(['11', '12', '1']);
    expect(a.container.resolve(LateCounter).count).to.equal(12);
  });

  describe('what only a request can find', () => {
    const logs = captureLogs('error');

    it('logs a factory that throws once per request, naming the handler class (requests and WebSocket handshakes)', async () => {
      @Route('/boom')
      class Boom extends RequestHandler {
        constructor(@inject('boom') private readonly value: string) {
          super();
        }
        get() {
          this.write(this.value);
        }
      }
      @WebSocket('/boom-socket')
      class BoomSocket extends WebSocketHandler {
        constructor(@inject('boom') private readonly value: string) {
          super();
        }
      }
      const app = new Application({ handlers: [Boom, BoomSocket] });
      app.container.register('boom', { useFactory: () => { throw new Error('no connection to the store'); } });
      const server = await TestServer.start(app);
      try {
        const response = await server.fetch('/boom');
        expect(response.status).to.equal(500);
        const handshake = await server.websocket('/boom-socket').then(() => 'opened', (error: Error) => error.message);
        expect(handshake).to.contain('500');
        const failures = logs.records.filter((record) => record.logger === 'app');
        expect(failures.map((record) => record.message)).to.deep.equal(['Uncaught exception GET /boom (127.0.0.1) in Boom', 'Uncaught exception GET /boom-socket (127.0.0.1) in BoomSocket']);
        expect(failures.map((record) => (record.error as Error).message)).to.deep.equal([
          'Cannot inject the dependency "value" at position #0 of "Boom" constructor. Reason:\n    no connection to the store',
          'Cannot inject the dependency "value" at position #0 of "BoomSocket" constructor. Reason:\n    no connection to the store',
        ]);
      } finally {
        await server.close();
      }
    });
  });
});
