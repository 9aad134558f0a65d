import { expect } from 'chai';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeApp } from '../../samples/chat/app';
import type { ChatEvent, ChatMessage } from '../../samples/chat/chat-room';
import { TestServer } from '../../lib/testing';
import { freePort } from '../../lib/testing/redis-server';
import type { WebSocketClientConnection } from '../../lib';
import { launchChromium } from '../helpers/browser';
import { startChildServer, type ChildServer } from '../helpers/child-server';
import { captureLogs } from '../helpers/logs';
import { waitFor } from '../helpers/promises';
import { hasChromium, requirePackage } from '../helpers/requirements';

/** How long a page gets to show what it should (generous: two cores shared by many runs). */
const DEADLINE = 15_000;
const chatScript = path.join(__dirname, '..', '..', 'samples', 'chat', 'app.js');

/** A 400 problem, as the chat answers a message it refuses. */
interface Problem {
  status: number;
  errors: Array<{ path: string; message: string }>;
}

async function readJson<T = ChatEvent>(socket: WebSocketClientConnection): Promise<T> {
  const message = await socket.readMessage();
  if (typeof message !== 'string') throw new Error(`expected a text message, got ${String(message)}`);
  return JSON.parse(message) as T;
}

/** Says `count` lines (`line 1`...) as `name` and waits for the room to send them back. */
async function sayLines(socket: WebSocketClientConnection, name: string, count: number): Promise<ChatMessage[]> {
  for (let i = 1; i <= count; i++) await socket.writeMessage({ name, text: `line ${i}` });
  const said: ChatMessage[] = [];
  while (said.length < count) {
    const event = await readJson(socket);
    if (event.type === 'message') said.push(event.message);
  }
  return said;
}

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

describe('samples/chat', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await TestServer.start(makeApp());
  });
  afterEach(() => server.close());

  describe('over HTTP and WebSocket', () => {
    it('serves the page with its icon, CSS and script from /static/, and gives a new browser its HttpOnly chat_id cookie', async () => {
      const page = await server.fetch('/');
      expect(page.status).to.equal(200);
      expect(page.text).to.match(/<link rel="icon" href="\/static\/favicon\.svg\?v=[0-9a-f]{40}" type="image\/svg\+xml">/);
      expect(page.text).to.match(/<link rel="stylesheet" href="\/static\/chat\.css\?v=[0-9a-f]{40}">/);
      expect(page.text).to.contain('<input id="name"').and.contain('<input id="message"').and.contain('<button id="send" type="submit">Send</button>');
      expect(page.headers.get('set-cookie')).to.match(/^chat_id=[0-9a-f]{32}; .*HttpOnly/);
      const again = await server.fetch('/', { headers: { Cookie: 'chat_id=0123456789abcdef0123456789abcdef' } });
      expect(again.headers.get('set-cookie')).to.equal(undefined);
      for (const [url, type] of [[page.text.match(/href="(\/static\/chat\.css[^"]+)"/)![1], 'text/css; charset=utf-8'], [page.text.match(/href="(\/static\/favicon\.svg[^"]+)"/)![1], 'image/svg+xml']]) {
        const file = await server.fetch(url);
        expect([url, file.status, file.headers.get('content-type')]).to.deep.equal([url, 200, type]);
      }
    });

    it('answers /favicon.ico, which browsers that ignore the link ask for', async () => {
      const icon = await server.fetch('/favicon.ico');
      expect([icon.status, icon.headers.get('content-type')]).to.deep.equal([200, 'image/vnd.microsoft.icon']);
      expect(icon.body.subarray(0, 4)).to.deep.equal(Buffer.from([0, 0, 1, 0]));
    });

    it('tells each connection who it is and the last 50 messages, oldest first, then sends everyone what anyone says, with name and author', async () => {
      const alice = await server.websocket('/chat');
      const joined = await readJson(alice);
      expect(joined).to.deep.include({ type: 'joined', history: [] });
      const you = (joined as { you: string }).you;
      expect(you).to.match(/^[0-9a-f]{16}$/);
      const said = await sayLines(alice, 'Alice', 60);
      expect(said.map((message) => message.text)).to.deep.equal(lines(1, 60));
      expect(new Set(said.map((message) => message.id)).size).to.equal(60);
      expect(said[0]).to.deep.include({ author: you, name: 'Alice', text: 'line 1' });

      const bob = await server.websocket('/chat');
      const welcome = await readJson(bob);
      if (welcome.type !== 'joined') throw new Error(`expected the joined event first, got ${welcome.type}`);
      expect(welcome.you).to.match(/^[0-9a-f]{16}$/).and.not.equal(you);
      expect(welcome.history.map((message) => message.text)).to.deep.equal(lines(11, 60));
      expect(welcome.history).to.deep.equal(said.slice(10));

      await bob.writeMessage({ name: 'Bob', text: 'hi Alice' });
      for (const socket of [alice, bob]) {
        const event = await readJson(socket);
        expect(event).to.have.property('type', 'message');
        expect((event as { message: ChatMessage }).message).to.deep.include({ author: welcome.you, name: 'Bob', text: 'hi Alice' });
      }
    });

    it('gives one browser (its chat_id cookie) the same author id on every connection, and another browser another', async () => {
      const secret = (n: number) => ({ headers: { Cookie: `chat_id=${String(n).repeat(32)}` } });
      const ids: string[] = [];
      for (const options of [secret(1), secret(1), secret(2)]) {
        const socket = await server.websocket('/chat', options);
        ids.push((await readJson<{ you: string }>(socket)).you);
        await socket.close();
      }
      expect(ids[0]).to.equal(ids[1]);
      expect(ids[2]).to.not.equal(ids[0]);
      // The id is a digest: the secret is not in it.
      expect(ids[0]).to.not.contain('1111');
    });

    it('trims names and texts; refuses an empty or too long one, or what is not JSON, with a 400 problem, and keeps it out of the room', async () => {
      const socket = await server.websocket('/chat');
      await readJson(socket);
      const refused: Array<[unknown, string]> = [
        [{ name: 'x'.repeat(33), text: 'hi' }, '/name'],
        [{ name: '   ', text: 'hi' }, '/name'],
        [{ name: 'Al', text: ' \t ' }, '/text'],
        [{ name: 'Al', text: 'y'.repeat(2001) }, '/text'],
        [{ text: 'no name' }, '/name'],
        ['not JSON', ''],
      ];
      for (const [message, where] of refused) {
        await socket.writeMessage(typeof message === 'string' ? message : JSON.stringify(message));
        const problem = await readJson<Problem>(socket);
        expect([problem.status, problem.errors.map((error) => error.path)]).to.deep.equal([400, [where]]);
      }
      await socket.writeMessage({ name: `  ${'n'.repeat(32)}  `, text: '  hello  ' });
      const event = await readJson(socket);
      expect((event as { message: ChatMessage }).message).to.deep.include({ name: 'n'.repeat(32), text: 'hello' });
      const newcomer = await server.websocket('/chat');
      const history = (await readJson<{ history: ChatMessage[] }>(newcomer)).history;
      expect(history.map((message) => [message.name, message.text])).to.deep.equal([['n'.repeat(32), 'hello']]);
    });
  });

  describe('in a real browser', function () {
    this.timeout(90_000);
    let browser: Browser;
    let contexts: BrowserContext[] = [];
    let pageErrors: string[] = [];
    let dialogs: string[] = [];

    before(async function () {
      requirePackage(this, 'chromium', hasChromium());
      browser = await launchChromium();
    });
    after(async () => browser?.close());
    beforeEach(() => {
      pageErrors = [];
      dialogs = [];
    });
    afterEach(async () => {
      await Promise.all(contexts.map((context) => context.close()));
      contexts = [];
    });

    /** No script error and no dialog (an alert() a name or a message smuggled in) in any page. */
    function expectQuietPages(): void {
      expect(pageErrors, 'errors in the pages').to.deep.equal([]);
      expect(dialogs, 'dialogs the pages opened').to.deep.equal([]);
    }

    /** A page in a browser of its own (own cookies, own localStorage), at `url`, connected and welcomed. */
    async function visit(url = server.url('/')): Promise<Page> {
      const context = await browser.newContext();
      context.setDefaultTimeout(DEADLINE);
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(url);
      await page.locator('#status[data-state="open"]').waitFor();
      await page.locator('#messages li.system', { hasText: 'Welcome!' }).waitFor();
      return page;
    }

    /** Types `text` as `name` (when given) and waits for the room to send it back. */
    async function say(page: Page, text: string, name?: string): Promise<void> {
      if (name !== undefined) await page.fill('#name', name);
      await page.fill('#message', text);
      await page.press('#message', 'Enter');
      await page.locator('#messages li.message--mine .message__text', { hasText: text }).last().waitFor();
    }

    const texts = (page: Page) => page.locator('#messages li').allTextContents();
    const classes = (page: Page) => page.locator('#messages li').evaluateAll((items) => items.map((item) => item.className));

    it('lets two people with different names talk; each sees their own messages marked "(you)", the other\'s not', async () => {
      const [ada, bob] = [await visit(), await visit()];
      // The stylesheet really applied (served from /static/).
      expect(await ada.locator('#send').evaluate((element) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(element).backgroundColor)).to.equal('rgb(37, 99, 235)');
      // No name yet: nothing is sent, and the name field says why.
      await ada.fill('#message', 'who am I?');
      await ada.press('#message', 'Enter');
      expect(await ada.locator('#name').evaluate((input) => (input as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing)).to.equal(true);
      expect(await ada.inputValue('#message')).to.equal('who am I?');

      await say(ada, 'Hello from Ada', 'Ada');
      expect(await ada.inputValue('#message')).to.equal('');
      await bob.locator('#messages li', { hasText: 'Hello from Ada' }).waitFor();
      await bob.fill('#name', '  Bob  ');
      await bob.fill('#message', 'And back, with the button');
      await bob.click('#send');
      await ada.locator('#messages li', { hasText: 'And back, with the button' }).waitFor();
      await bob.locator('#messages li', { hasText: 'And back, with the button' }).waitFor();

      expect(await texts(ada)).to.deep.equal(['Welcome!', 'Ada (you): Hello from Ada', 'Bob: And back, with the button']);
      expect(await classes(ada)).to.deep.equal(['system', 'message message--mine', 'message']);
      expect(await texts(bob)).to.deep.equal(['Welcome!', 'Ada: Hello from Ada', 'Bob (you): And back, with the button']);
      expect(await classes(bob)).to.deep.equal(['system', 'message', 'message message--mine']);
      expectQuietPages();
    });

    it('says why, when the server refuses a message, and the room never sees it', async () => {
      const [ada, bob] = [await visit(), await visit()];
      await ada.fill('#name', 'Ada');
      // Past the field's maxlength (only typing is held to it): what a modified page could send.
      await ada.locator('#message').evaluate((input) => ((input as unknown as { value: string }).value = 'y'.repeat(2001)));
      await ada.press('#message', 'Enter');
      await ada.locator('#messages li.system', { hasText: 'Not sent' }).waitFor();
      await say(ada, 'short enough');
      await bob.locator('#messages li', { hasText: 'short enough' }).waitFor();
      expect(await texts(ada)).to.deep.equal(['Welcome!', 'Not sent: text: String must contain at most 2000 character(s)', 'Ada (you): short enough']);
      expect(await texts(bob)).to.deep.equal(['Welcome!', 'Ada: short enough']);
      expectQuietPages();
    });

    it('shows a newcomer the last 50 of 60 messages, in order, before "Welcome!"', async () => {
      const ada = await server.websocket('/chat');
      await readJson(ada);
      await sayLines(ada, 'Ada', 60);
      const page = await visit();
      const shown = await texts(page);
      expect(shown).to.deep.equal([...lines(11, 60).map((line) => `Ada: ${line}`), 'Welcome!']);
      expectQuietPages();
    });

    it('remembers the name across a reload, and still marks the messages said before it "(you)"', async () => {
      const page = await visit();
      await say(page, 'before the reload', 'Grace');
      const other = await visit();
      await say(other, 'from someone else', 'Linus');
      await page.locator('#messages li', { hasText: 'from someone else' }).waitFor();
      await page.reload();
      await page.locator('#messages li.system', { hasText: 'Welcome!' }).waitFor();
      expect(await page.inputValue('#name')).to.equal('Grace');
      expect(await texts(page)).to.deep.equal(['Grace (you): before the reload', 'Linus: from someone else', 'Welcome!']);
      expect(await classes(page)).to.deep.equal(['message message--mine', 'message', 'system']);
      // The remembered name is the one sent.
      await say(page, 'after the reload');
      await other.locator('#messages li', { hasText: 'Grace: after the reload' }).waitFor();
      expectQuietPages();
    });

    it('shows a hostile name and message as text, live and in the history, and runs none of it', async () => {
      const name = '<img src=x onerror=alert(1)>';
      const text = '<script>alert(2)</script><b>bold</b><img src=y onerror=alert(3)>';
      const [mallory, bob] = [await visit(), await visit()];
      await say(mallory, text, name);
      await bob.locator('#messages li.message').waitFor();
      const newcomer = await visit();
      for (const page of [mallory, bob, newcomer]) {
        const item = page.locator('#messages li.message');
        expect(await item.locator('.message__name').textContent()).to.equal(name);
        expect(await item.locator('.message__text').textContent()).to.equal(text);
        expect(await page.locator('#messages img, #messages script, #messages b').count()).to.equal(0);
      }
      expect(await mallory.locator('#name').inputValue()).to.equal(name);
      expectQuietPages();
    });

    describe('asking the server', () => {
      const logs = captureLogs('info');

      it('asks for nothing it does not have: the icon is served, and no request gets a 4xx', async () => {
        await visit();
        const access = () => logs.records.filter((record) => record.logger === 'access').map((record) => record.fields as { req: { path: string }; res: { statusCode: number } });
        await waitFor(() => access().some((entry) => entry.req.path.includes('favicon')), DEADLINE, 'the browser to ask for the icon');
        const asked = access().map((entry) => `${entry.res.statusCode} ${entry.req.path}`);
        expect(asked.filter((line) => !line.startsWith('2') && !line.startsWith('101'))).to.deep.equal([]);
        expect(asked).to.include('200 /static/favicon.svg');
        expectQuietPages();
      });
    });

    describe('when the server goes away', () => {
      let chat: ChildServer | null = null;
      afterEach(async () => chat?.stop());

      const startChat = (port: number) => startChildServer(chatScript, [], { HOST: '127.0.0.1', PORT: String(port) }, /Chat on http:\/\/localhost:(\d+)\//);

      /** SIGTERM: the server closes every WebSocket with 1001 and exits, as in a deploy. */
      async function stopChat(): Promise<void> {
        const exited = new Promise((resolve) => chat!.child.once('exit', resolve));
        chat!.child.kill('SIGTERM');
        await exited;
      }

      it('says "Welcome!" once: the page reconnects by itself, keeps what it showed, and goes on', async () => {
        const port = await freePort();
        chat = await startChat(port);
        const page = await visit(`http://127.0.0.1:${port}/`);
        await say(page, 'before the restart', 'Ada');
        await stopChat();
        await page.locator('#status:not([data-state="open"])').waitFor();
        chat = await startChat(port);
        await page.locator('#status[data-state="open"]').waitFor({ timeout: 30_000 });
        await say(page, 'after the restart');
        expect(await texts(page)).to.deep.equal(['Welcome!', 'Ada (you): before the restart', 'Ada (you): after the restart']);
        expectQuietPages();
      });
    });
  });
});
