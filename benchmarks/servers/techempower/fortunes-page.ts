// The fortunes page for the servers without a template engine of their own: the same Handlebars template Typhoon renders, compiled once.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Fortune } from './world-database';

/** The suite's templates, in the source tree (tsc does not copy them to dist/). */
export const TEMPLATES = path.resolve(__dirname, '..', '..', '..', '..', 'benchmarks', 'servers', 'techempower', 'templates');

const template = Handlebars.compile<{ fortunes: Fortune[] }>(readFileSync(path.join(TEMPLATES, 'fortunes.html'), 'utf8'));

/** The fortunes as TFB's HTML table, messages escaped by Handlebars. */
export function renderFortunes(fortunes: Fortune[]): string {
  return template({ fortunes });
}
