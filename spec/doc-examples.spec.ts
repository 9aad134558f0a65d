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
  return CONTEXT.filter(([name]) => new RegExp(`\\b${name}\\b`).test(code) && !new RegExp(`\\b(const|let|var|class|function|interface)\\s+${name}\\b`).test(code))
    .map(([, declaration]) => declaration)
    .join('\n');
}

describe('doc comments', function () {
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

    const work = mkdtempSync(path.join(tmpdir(), 'typhoon-examples-'));
    try {
      mkdirSync(path.join(work, 'node_modules'));
      symlinkSync(root, path.join(work, 'node_modules', 'typhoon'));
      // Examples of validation use a schema library, as users do.
      for (const library of ['zod', 'valibot']) symlinkSync(path.join(root, 'node_modules', library), path.join(work, 'node_modules', library));
      writeFileSync(path.join(work, 'package.json'), JSON.stringify({ type: 'module' }));
      const names = Object.keys(pkg).join(', ');
      const files: string[] = [];
      for (const [name, { file, comment }] of comments) {
        // The public API's examples: what users read in the reference.
        if (!(name in exported)) continue;
        examples(comment).forEach((code, index) => {
          const out = `${name}-${index}.ts`;
          files.push(out);
          writeFileSync(path.join(work, out), `// ${file}: @example of ${name}\nimport { ${names} } from 'typhoon';\nimport { TestServer } from 'typhoon/testing';\n${contextFor(code)}\n${code}\nexport {};\n`);
        });
      }
      writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false,
          experimentalDecorators: true, emitDecoratorMetadata: true, noUnusedLocals: false, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')],
        },
        files,
      }));
      const result = await exec(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', work], { cwd: work }).then(() => '', (error: { stdout: string }) => error.stdout);
      expect(result, 'type errors in @example blocks').to.equal('');
      expect(files.length).to.be.greaterThan(30);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
