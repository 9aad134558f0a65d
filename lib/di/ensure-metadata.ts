import { ConfigurationError } from '../common/errors';

/**
 * Loads `reflect-metadata` once, before tsyringe, so users never import it themselves (two
 * copies would split the metadata store). Fails with a clear message if it cannot load.
 */
try {
  require('reflect-metadata');
} catch (error) {
  throw new ConfigurationError(
    'Typhoon needs the "reflect-metadata" package for dependency injection: run `npm install reflect-metadata`. ' +
      `(${(error as Error).message})`,
  );
}
