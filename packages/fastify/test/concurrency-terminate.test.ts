/**
 * A write racing terminate(): a request that loaded the session before another request terminated it
 * saves afterwards. Both answer 200 and nothing crashes, and the late save does not bring the session
 * back: terminate leaves a tombstone in the cache, and the late save finds it after writing and undoes
 * itself (its changes are dropped and its cookies cleared).
 */
import t from 'tap';
import { attackApp, probe } from './attack-support.ts';
import { CookieJar, countingKeyv, CountingStore } from './helpers/app.ts';

async function race(): Promise<{ terminate: number; late: number; entities: number; replayUser: string | null; lateCleared: boolean }> {
  const { keyv } = countingKeyv();
  const durableStore = new CountingStore();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => (entered = resolve));
  const { app, logs } = await attackApp({ cookieOnlyThreshold: 0, cache: keyv, durableStore }, {}, (app) => {
    // A slow route (an upload, a long computation) that writes to the session when it finishes.
    app.post('/slow', async (req) => {
      entered();
      await gate;
      req.session.set('late', true);
      return {};
    });
  });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } }));
  const cookie = jar.header();
  const slow = app.inject({ method: 'POST', url: '/slow', headers: { cookie } });
  await inHandler; // the slow request has loaded the session
  const terminate = await app.inject({ method: 'POST', url: '/terminate', headers: { cookie } });
  release();
  const late = await slow;
  const replay = await probe(app, logs, cookie);
  const lateCookies = ([] as string[]).concat(late.headers['set-cookie'] ?? []);
  return {
    terminate: terminate.statusCode,
    late: late.statusCode,
    entities: durableStore.data.size,
    replayUser: replay.state.user,
    lateCleared: lateCookies.some((h) => /^gaes_?0=; Max-Age=0/.test(h)),
  };
}

t.test('a write racing terminate: no crash, both requests answered', async (t) => {
  const outcome = await race();
  t.equal(outcome.terminate, 200);
  t.equal(outcome.late, 200);
  t.ok(outcome.entities <= 1, 'never more than one entity for the session');
});

t.test('a write racing terminate does not resurrect the session', async (t) => {
  const outcome = await race();
  t.equal(outcome.entities, 0, 'no entity left after terminate');
  t.equal(outcome.replayUser, null, 'the old cookie does not open after logout');
  t.ok(outcome.lateCleared, 'the late request clears its cookie instead of saving');
});
