import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Application, configureLogging, RequestHandler, TemplateError, type LogRecord } from '../../lib';
import { TestServer } from '../../lib/testing';

class PageHandler extends RequestHandler {
  async get(name: string) {
    await this.render(`${name}.html`, { title: this.getArgument('title', 'Hi'), items: ['a', 'b'], data: { x: '</script><b>' } });
  }
}

class StringHandler extends RequestHandler {
  async get() {
    const html = await this.renderString('plain.html', { title: 'from renderString' });
    this.write({ html });
  }
}

class ItemHandler extends RequestHandler {
  get() {}
}

async function errorLogged(action: () => Promise<unknown>): Promise<TemplateError> {
  const logs: LogRecord[] = [];
  const restore = configureLogging({ level: 'error', sink: (record) => logs.push(record) });
  try {
    await action();
  } finally {
    configureLogging(restore);
  }
  const error = logs.find((record) => record.error instanceof TemplateError)?.error;
  expect(error, 'a TemplateError was logged').to.be.instanceOf(TemplateError);
  return error as TemplateError;
}

describe('templates', () => {
  let folder: string;
  let statics: string;
  let server: TestServer;

  const write = (name: string, content: string) => {
    mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    writeFileSync(path.join(folder, name), content);
  };

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'typhoon-templates-'));
    statics = mkdtempSync(path.join(tmpdir(), 'typhoon-tstatic-'));
    writeFileSync(path.join(statics, 'app.css'), 'body{}');
    write('plain.html', '<h1>{{title}}</h1>');
    write('list.html', '{{#each items}}<li>{{this}}</li>{{/each}}');
    write('helpers.html', '<link href="{{staticUrl "app.css"}}"><a href="{{reverseUrl "item" 42}}">x</a><form>{{xsrfFormHtml}}</form><script>var d = {{json data}};</script>{{shout title}}');
    write('partials/header.html', '<header>{{title}}</header>');
    write('partials/nav/menu.html', '<nav>menu</nav>');
    write('with-partial.html', '{{> header}}{{> nav/menu}}<main>body</main>');
    write('layouts/main.html', '<html><title>{{title}}</title><body>{{{body}}}</body></html>');
    write('in-layout.html', '{{!< main}}\n<p>content for {{title}}</p>');
    write('broken.html', 'line one\nline two {{#each items}}\nno close');
    server = await TestServer.start(
      new Application({
        templatePath: folder,
        staticPath: statics,
        uiMethods: { shout: (handler: unknown, text: unknown) => `${String(text).toUpperCase()}! (${(handler as RequestHandler).request.path})` },
        handlers: [['/page/:name', PageHandler], ['/string', StringHandler], ['/items/:id', ItemHandler, {}, 'item']],
      }),
    );
  });
  after(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
    rmSync(statics, { recursive: true, force: true });
  });

  it('renders a template with its context, escaping output', async () => {
    const response = await server.fetch('/page/plain?title=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('text/html; charset=UTF-8');
    expect(response.text).to.equal('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect((await server.fetch('/page/list')).text).to.equal('<li>a</li><li>b</li>');
  });

  it('renders to a string with renderString()', async () => {
    expect((await server.fetch('/string')).json()).to.deep.equal({ html: '<h1>from renderString</h1>' });
  });

  it('offers staticUrl, reverseUrl, xsrfFormHtml, json and uiMethods helpers', async () => {
    const text = (await server.fetch('/page/helpers?title=hey')).text;
    expect(text).to.match(/<link href="\/static\/app\.css\?v=[0-9a-f]{40}">/);
    expect(text).to.contain('<a href="/items/42">x</a>');
    expect(text).to.match(/<form><input type="hidden" name="_xsrf" value="2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+"\/><\/form>/);
    expect(text).to.contain('var d = {"x":"\\u003c/script\\u003e\\u003cb\\u003e"};');
    expect(text).to.contain('HEY! (/page/helpers)');
  });

  it('includes partials from partials/ (nested names too)', async () => {
    expect((await server.fetch('/page/with-partial?title=T')).text).to.equal('<header>T</header><nav>menu</nav><main>body</main>');
  });

  it('renders into a layout declared with {{!< name}}', async () => {
    expect((await server.fetch('/page/in-layout?title=L')).text).to.equal('<html><title>L</title><body><p>content for L</p></body></html>');
  });

  it('answers 500 and logs an error naming the file for a missing template', async () => {
    let response: Awaited<ReturnType<TestServer['fetch']>> | undefined;
    const error = await errorLogged(async () => (response = await server.fetch('/page/nope')));
    expect(response!.status).to.equal(500);
    expect(response!.text).to.not.contain('nope.html');
    expect(error.message).to.contain('Template "nope.html" not found').and.contain(path.join(folder, 'nope.html'));
  });

  it('reports a syntax error with the file and line', async () => {
    const error = await errorLogged(async () => expect((await server.fetch('/page/broken')).status).to.equal(500));
    expect(error.code).to.equal('TYPHOON_ERR_TEMPLATE');
    expect(error.message).to.contain(`"broken.html" (${path.join(folder, 'broken.html')}, line `).and.contain('does not compile');
    // Handlebars' own explanation stays: the spot, and what it expected there.
    expect(error.message).to.match(/\n-*\^\n/).and.match(/Expecting .*, got /);
  });

  it('caches compiled templates, and recompiles on change in debug mode', async () => {
    const debug = await TestServer.start(new Application({ templatePath: folder, debug: true, handlers: [['/page/:name', PageHandler]] }));
    try {
      write('changing.html', 'version 1');
      expect((await server.fetch('/page/changing')).text).to.equal('version 1');
      expect((await debug.fetch('/page/changing')).text).to.equal('version 1');
      write('changing.html', 'version 2');
      expect((await server.fetch('/page/changing')).text).to.equal('version 1');
      expect((await debug.fetch('/page/changing')).text).to.equal('version 2');
    } finally {
      await debug.close();
    }
  });

  it('leaves output unescaped with autoescape: false', async () => {
    const raw = await TestServer.start(new Application({ templatePath: folder, autoescape: false, handlers: [['/page/:name', PageHandler]] }));
    try {
      expect((await raw.fetch('/page/plain?title=%3Cb%3E')).text).to.equal('<h1><b></h1>');
    } finally {
      await raw.close();
    }
  });

  it('refuses template names that leave templatePath', async () => {
    const error = await errorLogged(async () => expect((await server.fetch('/page/..%2f..%2f..%2fetc%2fpasswd')).status).to.equal(500));
    expect(error.message).to.contain('outside templatePath');
  });
});
