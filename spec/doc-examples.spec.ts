import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = path.join(__dirname, '..', '..');

/** Every .ts file under lib/. */
function sources(dir = path.join(root, 'lib')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

/** The doc comment right above each exported declaration, by name. */
function docComments(): Map<string, { file: string; comment: string }> {
  const found = new Map<string, { file: string; comment: string }>();
  for (const file of sources()) {
    const text = readFileSync(file, 'utf8');
    // Between the comment and the declaration: line comments, or the interface half of a merged class.
    for (const match of text.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)\s*(?:(?:\/\/[^\n]*|export interface \w+[^\n]*)\n\s*)*export (?:abstract )?(?:class|function|const) (\w+)/g)) {
      if (!found.has(match[2])) found.set(match[2], { file: path.relative(root, file), comment: match[1] });
    }
  }
  return found;
}

/** The code of the ```ts blocks of a doc comment's @example tags. */
function examples(comment: string): string[] {
  const body = comment.split('\n').map((line) => line.replace(/^\s*\* ?/, '')).join('\n');
  return [...body.matchAll(/@example\s*\n```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
}

/** Documents under docs/ whose ```ts blocks must compile (the others hold sketches with `...`). */
const COMPILED_DOCUMENTS = ['docs/from-tornado.md'];

/** The ```ts blocks of a markdown file, with the line each starts on. */
function markdownBlocks(file: string): Array<{ line: number; code: string }> {
  const text = readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => ({ line: text.slice(0, match.index).split('\n').length + 1, code: match[1] }));
}

/** Names an example may use without declaring them (declared for it when it uses one): the app, a test server, a store... */
const CONTEXT: Array<[string, string]> = [
  ['app', 'declare const app: Application;'],
  ['server', 'declare const server: TestServer;'],
  ['client', 'declare const client: AsyncHTTPClient;'],
  ['expect', 'declare function expect(value: unknown): { to: { equal(expected: unknown): void } };'],
  ['ItemStore', 'declare class ItemStore { get(id: string): Promise<{ id: string } | null>; }'],
  ['Item', 'interface Item { id: string }'],
  ['item', 'declare const item: { id: string } | undefined;'],
  ['MainHandler', 'declare class MainHandler extends RequestHandler {}'],
  ['url', 'declare const url: string;'],
  ['urlA', 'declare const urlA: string;'],
  ['urlB', 'declare const urlB: string;'],
];

/** The context declarations `code` uses and does not declare itself. */
function contextFor(code: string): string {
  const declares = (name: string) => new RegExp(`\\b(const|let|var|class|function|interface)\\s+${name}\\b|^import [^;]*\\b${name}\\b[^;]*;$`, 'm').test(code);
  return CONTEXT.filter(([name]) => new RegExp(`\\b${name}\\b`).test(code) && !declares(name))
    .map(([, declaration]) => declaration)
    .join('\n');
}

/**
 * An example as a module of its own: what it imports itself, plus every other public name of
 * `typhoon` and `TestServer`, and the context it uses without declaring it.
 */
function exampleModule(origin: string, code: string, names: string[]): string {
  const imported = new Set([...code.matchAll(/^import (?:type )?\{([^}]*)\} from 'typhoon(?:\/testing)?';$/gm)].flatMap((match) => match[1].split(',').map((name) => name.trim().replace(/^type /, ''))));
  const typhoon = names.filter((name) => !imported.has(name));
  const lines = [`// ${origin}`];
  if (typhoon.length) lines.push(`import { ${typhoon.join(', ')} } from 'typhoon';`);
  if (!imported.has('TestServer')) lines.push(`import { TestServer } from 'typhoon/testing';`);
  return [...lines, contextFor(code), code, 'export {};', ''].join('\n');
}

/** tsc's report on `files` (name → source), compiled as ES modules against the built package; '' when they compile. */
async function typeErrors(files: Map<string, string>): Promise<string> {
  const work = mkdtempSync(path.join(tmpdir(), 'typhoon-examples-'));
  try {
    mkdirSync(path.join(work, 'node_modules'));
    symlinkSync(root, path.join(work, 'node_modules', 'typhoon'));
    // Examples of validation use a schema library, and test examples chai, as users do.
    mkdirSync(path.join(work, 'node_modules', '@types'));
    for (const library of ['zod', 'valibot', 'chai', '@types/chai']) symlinkSync(path.join(root, 'node_modules', library), path.join(work, 'node_modules', library));
    writeFileSync(path.join(work, 'package.json'), JSON.stringify({ type: 'module' }));
    for (const [name, source] of files) writeFileSync(path.join(work, name), source);
    writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false,
        experimentalDecorators: true, emitDecoratorMetadata: true, noUnusedLocals: false, types: ['node', 'mocha'], typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      files: [...files.keys()],
    }));
    return await exec(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', work], { cwd: work }).then(() => '', (error: { stdout: string }) => error.stdout);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('examples in doc comments and in docs/', function () {
  this.timeout(60_000);

  it('give every public class an @example, and every @example compiles against the built typings', async () => {
    const pkg = require(root) as Record<string, unknown>;
    const testing = require(path.join(root, 'dist/lib/testing')) as Record<string, unknown>;
    const exported = { ...pkg, ...testing };
    const isClass = (value: unknown) => typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
    const classes = Object.keys(exported).filter((name) => isClass(exported[name]));
    const comments = docComments();
    const missing = classes.filter((name) => !comments.get(name) || examples(comments.get(name)!.comment).length === 0);
    expect(missing, 'public classes without an @example').to.deep.equal([]);

    const files = new Map<string, string>();
    const names = Object.keys(pkg);
    for (const [name, { file, comment }] of comments) {
      // The public API's examples: what users read in the reference.
      if (!(name in exported)) continue;
      examples(comment).forEach((code, index) => files.set(`${name}-${index}.ts`, exampleModule(`${file}: @example of ${name}`, code, names)));
    }
    expect(await typeErrors(files), 'type errors in @example blocks').to.equal('');
    expect(files.size).to.be.greaterThan(30);
  });

  for (const document of COMPILED_DOCUMENTS) {
    it(`${document}: every \`\`\`ts block compiles against the built typings`, async () => {
      const names = Object.keys(require(root) as Record<string, unknown>);
      const files = new Map<string, string>();
      for (const { line, code } of markdownBlocks(document)) files.set(`${path.basename(document, '.md')}-line-${line}.ts`, exampleModule(`${document}, line ${line}`, code, names));
      expect(files.size).to.be.greaterThan(0);
      expect(await typeErrors(files), `type errors in ${document} (files are named after the line a block starts on)`).to.equal('');
    });
  }
});
