import type Handlebars from 'handlebars';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError, TemplateError } from '../common/errors';
import { escapeHtml } from '../common/escape';
import { findTornadoSyntax } from './tornado-syntax';

/** What template helpers need from the handler rendering them. */
export interface TemplateHost {
  staticUrl(path: string): string;
  reverseUrl(name: string, ...args: Array<string | number>): string;
  xsrfFormHtml(): string;
}

/** The settings templates depend on. */
export interface TemplateSettings {
  templatePath?: string;
  autoescape: boolean;
  debug: boolean;
  uiMethods?: Record<string, (...args: never[]) => unknown>;
}

type Compiled = HandlebarsTemplateDelegate;
const LAYOUT = /^\s*\{\{!<\s*([\w./-]+)\s*\}\}\s*/;

/**
 * Handlebars templates of one application: files under `templatePath`, partials from its
 * `partials/` folder (`{{> name}}`), layouts from `layouts/` (a template starting with
 * `{{!< main}}` is rendered into `layouts/main.html` as `{{{body}}}`), helpers `staticUrl`,
 * `reverseUrl`, `xsrfFormHtml`, `json` and the application's `uiMethods`. Compiled templates are
 * cached, except in debug mode where every render reads the files again. A template in Tornado's
 * syntax (`{% for %}...{% end %}`, `{{ static_url("x") }}`) is refused when compiled, with
 * the Handlebars to write.
 */
export class TemplateEngine {
  private handlebars: typeof Handlebars | null = null;
  private readonly cache = new Map<string, { template: Compiled; layout?: string }>();
  private partialsLoaded: Promise<void> | null = null;

  constructor(private readonly settings: TemplateSettings) {}

  /**
   * This application's Handlebars, made on first use: loading Handlebars costs a process about
   * 8 MB, which an application without templates need not pay.
   */
  private get hb(): typeof Handlebars {
    if (!this.handlebars) {
      this.handlebars = (require('handlebars') as typeof Handlebars).create();
      this.registerHelpers(this.handlebars);
    }
    return this.handlebars;
  }

  /** Renders `name` with `context`; helpers act for `host` (the handler). */
  async render(name: string, context: Record<string, unknown>, host: TemplateHost): Promise<string> {
    await this.loadPartials();
    const { template, layout } = await this.load(name);
    const body = this.run(name, template, context, host);
    if (!layout) return body;
    const outer = await this.load(path.posix.join('layouts', layout.endsWith('.html') ? layout : `${layout}.html`));
    return this.run(layout, outer.template, { ...context, body: new this.hb.SafeString(body) }, host);
  }

  private run(name: string, template: Compiled, context: Record<string, unknown>, host: TemplateHost): string {
    try {
      return template(context, { data: { host } });
    } catch (error) {
      throw new TemplateError(`Template ${JSON.stringify(name)} failed to render: ${(error as Error).message}`, { cause: error });
    }
  }

  private async load(name: string): Promise<{ template: Compiled; layout?: string }> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const file = this.resolve(name);
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (error) {
      throw new TemplateError(`Template ${JSON.stringify(name)} not found (looked for ${file})`, { cause: error });
    }
    const layout = LAYOUT.exec(source)?.[1];
    const entry = { template: this.compile(name, file, layout ? source.replace(LAYOUT, '') : source), layout };
    if (!this.settings.debug) this.cache.set(name, entry);
    return entry;
  }

  private compile(name: string, file: string, source: string): Compiled {
    refuseTornadoSyntax(name, file, source);
    try {
      // parse() reports syntax errors now, with their line, instead of at first render.
      this.hb.parse(source);
      return this.hb.compile(source, { noEscape: !this.settings.autoescape });
    } catch (error) {
      // Handlebars' message shows the line, a caret under the spot, and what it expected there.
      const message = (error as Error).message;
      const line = /line (\d+)/.exec(message)?.[1];
      throw new TemplateError(`Template ${JSON.stringify(name)} (${file}${line ? `, line ${line}` : ''}) does not compile: ${message}`, { cause: error });
    }
  }

  private resolve(name: string): string {
    const root = this.settings.templatePath;
    if (!root) throw new ConfigurationError('Rendering templates needs the "templatePath" application setting');
    const file = path.resolve(root, `.${path.sep}${name}`);
    if (!file.startsWith(path.resolve(root) + path.sep)) throw new TemplateError(`Template name ${JSON.stringify(name)} points outside templatePath`);
    return file;
  }

  private loadPartials(): Promise<void> {
    if (this.partialsLoaded && !this.settings.debug) return this.partialsLoaded;
    this.partialsLoaded = (async () => {
      if (!this.settings.templatePath) return;
      const folder = path.join(this.settings.templatePath, 'partials');
      const files = await readdir(folder, { recursive: true }).catch(() => [] as string[]);
      for (const relative of files) {
        const file = path.join(folder, relative);
        const source = await readFile(file, 'utf8').catch(() => null);
        if (source === null) continue;
        const partialName = relative.split(path.sep).join('/').replace(/\.[^./]+$/, '');
        this.hb.registerPartial(partialName, this.compile(`partials/${relative}`, file, source));
      }
    })();
    return this.partialsLoaded;
  }

  private registerHelpers(hb: typeof Handlebars): void {
    const hostOf = (options: Handlebars.HelperOptions): TemplateHost => options.data.host as TemplateHost;
    // URLs are escaped for HTML, but not '=' (Handlebars' own escaping would turn `?v=` into `?v&#x3D;`).
    const url = (text: string) => new hb.SafeString(escapeHtml(text));
    hb.registerHelper('staticUrl', (file: string, options: Handlebars.HelperOptions) => url(hostOf(options).staticUrl(file)));
    hb.registerHelper('reverseUrl', (name: string, ...rest: unknown[]) => {
      const options = rest.pop() as Handlebars.HelperOptions;
      return url(hostOf(options).reverseUrl(name, ...(rest as Array<string | number>)));
    });
    hb.registerHelper('xsrfFormHtml', (options: Handlebars.HelperOptions) => new hb.SafeString(hostOf(options).xsrfFormHtml()));
    hb.registerHelper('json', (value: unknown) => new hb.SafeString(scriptSafeJson(value)));
    for (const [helperName, method] of Object.entries(this.settings.uiMethods ?? {})) {
      hb.registerHelper(helperName, (...args: unknown[]) => {
        const options = args[args.length - 1] as Handlebars.HelperOptions;
        // As Tornado's ui_methods: the handler comes first.
        return (method as (...a: unknown[]) => unknown)(hostOf(options), ...args.slice(0, -1));
      });
    }
  }
}

/**
 * Refuses a template written in Tornado's syntax: Handlebars would print a `{% for %}` block as
 * text (a 200 with the wrong page), and stop at `{{ static_url("x") }}` without saying why.
 *
 * @throws TemplateError naming the file and line, and the Handlebars to write
 */
function refuseTornadoSyntax(name: string, file: string, source: string): void {
  const found = findTornadoSyntax(source);
  if (!found) return;
  const more = found.others.length ? `; Tornado syntax also on line${found.others.length > 1 ? 's' : ''} ${found.others.join(', ')}` : '';
  throw new TemplateError(
    `Template ${JSON.stringify(name)} (${file}, line ${found.line}) is written in Tornado's template syntax, which Typhoon does not read (its templates are Handlebars): ` +
      `for ${found.text} write ${found.write}${more}. (Text meant literally: write &#123;% for {% and \\{{ for {{.)`,
  );
}

/** JSON that is safe inside `<script>` and HTML attributes. */
export function scriptSafeJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
