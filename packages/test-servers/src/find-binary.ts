import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

const DEFAULT_PATH = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'].join(delimiter);

/**
 * The path of an executable named `name` on `PATH` (the usual system folders when `PATH` is unset),
 * or `undefined`. An absolute `name` is checked as it is.
 * @example findBinary('redis-server') // '/usr/bin/redis-server'
 */
export function findBinary(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = isAbsolute(name)
    ? [name]
    : (env['PATH'] ?? DEFAULT_PATH)
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, name));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // not here; try the next folder
    }
  }
  return undefined;
}
