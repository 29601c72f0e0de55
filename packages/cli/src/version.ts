import { createRequire } from 'node:module';

/** This package's version (`../package.json` from both `src/` and `dist/`). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
