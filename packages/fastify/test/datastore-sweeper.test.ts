import { deleteExpiredSessions } from '@gaes/datastore';
import t from 'tap';
import { buildApp } from './helpers/app.ts';
import { freshNamespace, startDatastore, storedIds } from '@gaes/test-support/datastore';

const { datastore } = await startDatastore(t);
const HOUR = 3_600_000;

t.test('the sweeper deletes the expired sessions the plugin wrote, and only those', async (t) => {
  const namespace = freshNamespace();
  const start = Date.UTC(2032, 0, 1);
  const shortLived = await buildApp({ datastore, datastoreNamespace: namespace, lifetime: '1h', now: () => start });
  const longLived = await buildApp({ datastore, datastoreNamespace: namespace, lifetime: '3h', now: () => start });
  const write = async (app: typeof shortLived) => {
    const res = await app.inject({ method: 'POST', url: '/grow/20000' });
    return res.json().id as string;
  };
  const short = [await write(shortLived), await write(shortLived), await write(shortLived)];
  const long = [await write(longLived), await write(longLived)];
  t.equal((await storedIds(datastore, namespace)).length, 5);

  const early = await deleteExpiredSessions({ datastore, namespace, now: start + HOUR - 1000, deadline: Number.POSITIVE_INFINITY });
  t.same(early, { deleted: 0, scanned: 0, done: true }, 'nothing has expired yet');
  const result = await deleteExpiredSessions({ datastore, namespace, now: start + 2 * HOUR, deadline: Number.POSITIVE_INFINITY });
  t.same(result, { deleted: 3, scanned: 3, done: true });
  const left = await storedIds(datastore, namespace);
  t.same(left, [...long].sort(), 'the long-lived sessions remain');
  t.notOk(short.some((id) => left.includes(id)), 'the short-lived ones are gone');
});
