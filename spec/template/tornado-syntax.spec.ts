import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Application, configureLogging, RequestHandler, TemplateError, type LogRecord } from '../../lib';
import { TestServer } from '../../lib/testing';

class PageHandler extends RequestHandler {
  async get(name: string) {
    await this.render(`${name}.html`, { items: ['a', 'b'], user: { name: 'Ada' } });
  }
}

describe("templates in Tornado's syntax (issue 28)", () => {
  let folder: string;
  let server: TestServer;

  const write = (name: string, content: string) => {
    mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    writeFileSync(path.join(folder, name), content);
  };

  /** Fetches a page, expecting a 500 and one error logged with a TemplateError: its message. */
  async function refused(page: string, on = server): Promise<string> {
    const logs: LogRecord[] = [];
    const restore = configureLogging({ level: 'error', sink: (record) => logs.push(record) });
    let status = 0;
    try {
      const response = await on.fetch(`/page/${page}`);
      status = response.status;
      expect(response.text, 'the client gets the status page, not the details').to.not.contain('Tornado');
    } finally {
      configureLogging(restore);
    }
    const logged = logs.filter((record) => record.error instanceof TemplateError);
    expect([status, logged.length]).to.deep.equal([500, 1]);
    expect(logged[0].message).to.contain('in PageHandler');
    return (logged[0].error as TemplateError).message;
  }

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'typhoon-tornado-templates-'));
    write('loop.html', '<h1>Items</h1>\n<ul>\n{% for item in items %}\n  <li>{{ item }}</li>\n{% end %}\n</ul>');
    write('helper.html', '<head>\n<link rel="stylesheet" href="{{ static_url("app.css") }}">\n</head>');
    write('jinja-text.html', '<p>In Jinja: {% for x in xs %}x{% endfor %}, and 100{%} off; Tornado closes with &#123;% end %}.</p>');
    write('handlebars.html', '<ul>{{#each items as |item|}}<li>{{item}}</li>{{/each}}</ul>{{!-- was: {% for item in items %} {{ escape(item) }} {% end %} --}}');
    server = await TestServer.start(new Application({ templatePath: folder, handlers: [['/page/:name', PageHandler]] }));
  });
  after(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('refuses a {% for %} ... {% end %} block (Handlebars printed it as text with a 200), naming the file, the line and the {{#each}} to write; other engines\' {% %} shown as text still render', async () => {
    const message = await refused('loop');
    expect(message).to.equal(
      `Template "loop.html" (${path.join(folder, 'loop.html')}, line 3) is written in Tornado's template syntax, which Typhoon does not read (its templates are Handlebars): ` +
        'for {% for item in items %} write {{#each items as |item|}} ... {{/each}}; Tornado syntax also on line 5. (Text meant literally: write &#123;% for {% and \\{{ for {{.)',
    );
    // Jinja's, Liquid's, Django's blocks close with {% endfor %}: text to Handlebars, as before. Comments are skipped.
    const jinja = await server.fetch('/page/jinja-text');
    expect([jinja.status, jinja.text]).to.deep.equal([200, '<p>In Jinja: {% for x in xs %}x{% endfor %}, and 100{%} off; Tornado closes with &#123;% end %}.</p>']);
    const handlebars = await server.fetch('/page/handlebars');
    expect([handlebars.status, handlebars.text]).to.deep.equal([200, '<ul><li>a</li><li>b</li></ul>']);
  });

  it('refuses {{ static_url("app.css") }} (a bare Handlebars parse error before), saying {{staticUrl "app.css"}}', async () => {
    const message = await refused('helper');
    expect(message).to.contain(`Template "helper.html" (${path.join(folder, 'helper.html')}, line 2) is written in Tornado's template syntax`);
    expect(message).to.contain('for {{ static_url("app.css") }} write {{staticUrl "app.css"}}');
  });

  it('refuses Tornado syntax in a partial, naming the partial', async () => {
    // Partials are compiled together, at the first render: a separate folder.
    const own = mkdtempSync(path.join(tmpdir(), 'typhoon-tornado-partials-'));
    mkdirSync(path.join(own, 'partials'));
    writeFileSync(path.join(own, 'with-partial.html'), '{{> nav}}<main>x</main>');
    writeFileSync(path.join(own, 'partials', 'nav.html'), '<nav>\n{% if user %}{{ user.name }}{% else %}guest{% end %}</nav>');
    const withPartials = await TestServer.start(new Application({ templatePath: own, handlers: [['/page/:name', PageHandler]] }));
    let message: string;
    try {
      message = await refused('with-partial', withPartials);
    } finally {
      await withPartials.close();
      rmSync(own, { recursive: true, force: true });
    }
    expect(message).to.contain('Template "partials/nav.html" (').and.contain('for {% if user %} write {{#if user}} ... {{else}} ... {{/if}}');
    expect(message).to.contain(`(${path.join(own, 'partials', 'nav.html')}, line 2)`);
  });
});
