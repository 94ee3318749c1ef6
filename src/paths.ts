import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (where package.json, drizzle/ and templates/ live). Found by
 * walking up, because this file runs both from src/ (tests) and dist/src/ (built).
 */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('digest: cannot find package root');
    dir = parent;
  }
  return dir;
})();

export const migrationsDir = (dialect: 'mysql' | 'sqlite') => join(packageRoot, 'drizzle', dialect);
