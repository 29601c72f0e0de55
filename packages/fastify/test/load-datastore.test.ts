import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { loadDatastore } from '../src/load-datastore.ts';

type DatastoreModule = typeof import('@gaes/datastore');

// Real resolver errors, made in a directory outside the workspace where nothing is installed.
const dir = mkdtempSync(join(tmpdir(), 'gaes-load-datastore-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function importFrom(file: string, source: string): () => Promise<DatastoreModule> {
  const path = join(dir, file);
  writeFileSync(path, source);
  return () => import(pathToFileURL(path).href) as Promise<DatastoreModule>;
}

function failing(err: unknown): () => Promise<DatastoreModule> {
  return () => Promise.reject(err);
}

function notFound(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

t.test('loads @gaes/datastore when it is installed', async (t) => {
  const mod = await loadDatastore();
  t.type(mod.DatastoreSessionStore, 'function');
});

t.test('@gaes/datastore not installed: ERR_GAES_DATASTORE_MISSING, with the resolver error as cause', async (t) => {
  const err = await loadDatastore(importFrom('app.mjs', "export * from '@gaes/datastore';\n")).then(
    () => t.fail('resolved'),
    (e: unknown) => e,
  );
  t.match(err, { code: 'ERR_GAES_DATASTORE_MISSING', statusCode: 500, cause: { code: 'ERR_MODULE_NOT_FOUND' } });
});

t.test('a CommonJS-style resolver saying the package is missing counts too', async (t) => {
  const cjs = notFound('MODULE_NOT_FOUND', "Cannot find module '@gaes/datastore'\nRequire stack:\n- /app/server.js");
  await t.rejects(loadDatastore(failing(cjs)), { code: 'ERR_GAES_DATASTORE_MISSING', cause: cjs });
});

t.test('a module that @gaes/datastore imports being missing is rethrown unchanged', async (t) => {
  // An installed @gaes/datastore whose own dependency is absent: not the user's missing optional peer.
  const pkg = join(dir, 'nested', 'node_modules', '@gaes', 'datastore');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@gaes/datastore', type: 'module', exports: './index.js' }));
  writeFileSync(join(pkg, 'index.js'), "export * from '@google-cloud/datastore';\n");
  const err = await loadDatastore(importFrom(join('nested', 'app.mjs'), "export * from '@gaes/datastore';\n")).then(
    () => t.fail('resolved'),
    (e: unknown) => e,
  );
  t.match(err, { code: 'ERR_MODULE_NOT_FOUND' });
  t.notMatch(err, { code: 'ERR_GAES_DATASTORE_MISSING' });
});

t.test('other failures are rethrown unchanged', async (t) => {
  const cases = [
    notFound('ERR_MODULE_NOT_FOUND', "Cannot find module '/app/node_modules/@gaes/datastore/dist/index.js' imported from /app/x.js"),
    notFound('ERR_MODULE_NOT_FOUND', "Cannot find package '@gaes/datastore-extra' imported from /app/x.js"),
    notFound('ERR_SOMETHING_ELSE', "Cannot find package '@gaes/datastore' imported from /app/x.js"),
    new SyntaxError('Unexpected token'),
    'a string',
    null,
  ];
  for (const err of cases) {
    const caught = await loadDatastore(failing(err)).then(
      () => t.fail('resolved'),
      (e: unknown) => e,
    );
    t.equal(caught, err, String(err));
  }
});
