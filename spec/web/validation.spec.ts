import { expect } from 'chai';
import * as v from 'valibot';
import { z } from 'zod';
import { Application, RequestHandler, Route, ValidationError, WebSocket, WebSocketHandler, validate } from '../../lib';
import { TestServer } from '../../lib/testing';
import { argumentObject } from '../../lib/web/validation';

const ZodItem = z.object({ name: z.string().min(1), price: z.number().positive(), tags: z.array(z.string()).default([]) });
const ValibotItem = v.object({ name: v.pipe(v.string(), v.minLength(1)), price: v.pipe(v.number(), v.minValue(0.01)) });

@Route('/zod/items/:id')
class ZodItems extends RequestHandler {
  async post() {
    const { id } = await this.validatePathArguments(z.object({ id: z.coerce.number().int() }));
    const item = await this.request.json(ZodItem);
    // Typed output: a number, a string array with its default applied.
    const total: number = item.price * 2;
    this.write({ id: id + 1, name: item.name, total, tags: item.tags.length });
  }
}

@Route('/valibot/items')
class ValibotItems extends RequestHandler {
  async post() {
    const item = await this.request.json(ValibotItem);
    this.write({ name: item.name.toUpperCase(), price: item.price });
  }
}

@Route('/search')
class Search extends RequestHandler {
  async get() {
    const query = await this.request.validateArguments(z.object({ q: z.string().min(2), page: z.coerce.number().int().min(1).default(1), tag: z.array(z.string()).optional() }), 'query');
    this.write(query);
  }
  async post() {
    const form = await this.request.validateArguments(v.object({ q: v.string(), page: v.optional(v.string()) }));
    this.write(form);
  }
}

const ChatMessage = z.object({ text: z.string().max(20) });

@WebSocket('/chat-strict', { messageSchema: ChatMessage })
class StrictChat extends WebSocketHandler {
  override async onMessage(message: z.infer<typeof ChatMessage>) {
    await this.writeMessage(`said: ${message.text}`);
  }
}

@WebSocket('/chat-lenient', { messageSchema: ChatMessage, invalidMessage: 'reply' })
class LenientChat extends WebSocketHandler {
  override async onMessage(message: z.infer<typeof ChatMessage>) {
    await this.writeMessage(`said: ${message.text}`);
  }
}

describe('validation with Standard Schema (zod, valibot)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start(new Application({ handlers: [ZodItems, ValibotItems, Search, StrictChat, LenientChat] }));
  });
  after(() => server.close());

  const post = (path: string, body: unknown) =>
    server.fetch(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

  it('gives the handler the typed output of a zod schema for the body and the path arguments', async () => {
    const response = await post('/zod/items/41', { name: 'tea', price: 2.5 });
    expect(response.status).to.equal(200);
    expect(response.json()).to.deep.equal({ id: 42, name: 'tea', total: 5, tags: 0 });
  });

  it('answers a body that fails its schema with 400 problem details listing each issue', async () => {
    const response = await post('/zod/items/1', { name: '', price: -1, tags: ['a', 7] });
    expect(response.status).to.equal(400);
    expect(response.headers.get('content-type')).to.equal('application/problem+json');
    const problem = response.json() as { type: string; title: string; status: number; detail: string; errors: Array<{ path: string; message: string }> };
    expect([problem.type, problem.title, problem.status, problem.detail]).to.deep.equal(['about:blank', 'Bad Request', 400, 'The request body does not match the schema']);
    expect(problem.errors.map((issue) => issue.path)).to.deep.equal(['/name', '/price', '/tags/1']);
    for (const issue of problem.errors) expect(issue.message).to.be.a('string').and.not.equal('');
  });

  it('answers path arguments that fail their schema with 400 problem details', async () => {
    const response = await post('/zod/items/abc', { name: 'tea', price: 1 });
    expect(response.status).to.equal(400);
    const problem = response.json() as { detail: string; errors: Array<{ path: string }> };
    expect(problem.detail).to.equal('The path arguments do not match the schema');
    expect(problem.errors.map((issue) => issue.path)).to.deep.equal(['/id']);
  });

  it('works the same with valibot', async () => {
    expect((await post('/valibot/items', { name: 'tea', price: 3 })).json()).to.deep.equal({ name: 'TEA', price: 3 });
    const refused = await post('/valibot/items', { name: 'tea' });
    expect(refused.status).to.equal(400);
    expect((refused.json() as { errors: Array<{ path: string }> }).errors.map((issue) => issue.path)).to.deep.equal(['/price']);
  });

  it('answers malformed JSON with the same problem details, and a body that is not JSON with 415', async () => {
    const response = await post('/valibot/items', '{"name": ');
    expect([response.status, response.headers.get('content-type')]).to.deep.equal([400, 'application/problem+json']);
    const problem = response.json() as { errors: Array<{ path: string; message: string }> };
    expect(problem.errors[0].path).to.equal('');
    expect(problem.errors[0].message).to.match(/^Malformed JSON/);
    // A cross-site form may post text/plain without a preflight: JSON must say it is JSON.
    const plain = await server.fetch('/valibot/items', { method: 'POST', body: JSON.stringify({ name: 'tea', price: 3 }), headers: { 'Content-Type': 'text/plain' } });
    expect([plain.status, plain.reason]).to.deep.equal([415, 'Unsupported Media Type']);
    const vendor = await server.fetch('/valibot/items', { method: 'POST', body: JSON.stringify({ name: 'tea', price: 3 }), headers: { 'Content-Type': 'application/vnd.api+json; charset=utf-8' } });
    expect(vendor.status).to.equal(200);
  });

  it('validates query arguments (repeated names as arrays) and form arguments', async () => {
    expect((await server.fetch('/search?q=tea&page=3&tag=a&tag=b')).json()).to.deep.equal({ q: 'tea', page: 3, tag: ['a', 'b'] });
    expect((await server.fetch('/search?q=tea')).json()).to.deep.equal({ q: 'tea', page: 1 });
    const refused = await server.fetch('/search?q=t&page=0');
    expect(refused.status).to.equal(400);
    expect((refused.json() as { errors: Array<{ path: string }> }).errors.map((issue) => issue.path)).to.deep.equal(['/q', '/page']);
    const form = await server.fetch('/search', { method: 'POST', body: 'q=green+tea&page=2', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(form.json()).to.deep.equal({ q: 'green tea', page: '2' });
    // An argument named __proto__ is an argument like any other, not the object's prototype.
    const proto = await server.fetch('/search?q=tea&__proto__=admin&__proto__=x');
    expect(proto.json()).to.deep.equal({ q: 'tea', page: 1 });
  });

  it('closes a WebSocket with 1007 on a message that fails its schema, after serving the valid ones', async () => {
    const conn = await server.websocket('/chat-strict');
    await conn.writeMessage(JSON.stringify({ text: 'hello' }));
    expect(await conn.readMessage()).to.equal('said: hello');
    await conn.writeMessage(JSON.stringify({ text: 'x'.repeat(50) }));
    expect(await conn.readMessage()).to.equal(null);
    expect([conn.closeCode, conn.closeReason]).to.deep.equal([1007, 'Invalid message']);
  });

  it('answers an invalid WebSocket message with problem details and goes on, when the route says reply', async () => {
    const conn = await server.websocket('/chat-lenient');
    await conn.writeMessage('not json');
    const problem = JSON.parse(String(await conn.readMessage())) as { status: number; detail: string; errors: Array<{ path: string; message: string }> };
    expect([problem.status, problem.detail]).to.deep.equal([400, 'The message does not match the schema']);
    expect(problem.errors[0].message).to.match(/^Malformed JSON/);
    await conn.writeMessage(JSON.stringify({ text: 7 }));
    expect((JSON.parse(String(await conn.readMessage())) as { errors: Array<{ path: string }> }).errors.map((issue) => issue.path)).to.deep.equal(['/text']);
    await conn.writeMessage(JSON.stringify({ text: 'still here' }));
    expect(await conn.readMessage()).to.equal('said: still here');
    conn.close();
  });

  it('makes arguments named __proto__ own properties, never the prototype', () => {
    const args = Object.create(null) as Record<string, string[]>;
    args.__proto__ = ['admin', 'x'];
    args.q = ['tea'];
    const object = argumentObject(args);
    expect(Object.getPrototypeOf(object)).to.equal(Object.prototype);
    expect(Object.keys(object)).to.deep.equal(['__proto__', 'q']);
    expect((object as { length?: unknown }).length).to.equal(undefined);
  });

  it('validate() refuses what is not a Standard Schema, and ValidationError carries the issues', async () => {
    const notSchema = await validate({} as never, 1).catch((error: unknown) => error);
    expect(notSchema).to.be.instanceOf(TypeError);
    expect(String(notSchema)).to.contain('Standard Schema');
    const failed = await validate(z.number(), 'x', 'amount').catch((error: unknown) => error);
    expect(failed).to.be.instanceOf(ValidationError);
    expect((failed as ValidationError).in).to.equal('amount');
    expect((failed as ValidationError).issues).to.have.length(1);
  });
});
