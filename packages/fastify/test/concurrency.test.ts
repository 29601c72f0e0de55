import t from 'tap';
import { buildApp, CookieJar, countingKeyv } from './helpers/app.ts';

t.test('100 concurrent requests on one session: no crash, a coherent final state', async (t) => {
  for (const threshold of [10_240, 0]) {
    const { keyv } = countingKeyv();
    const app = await buildApp({ cookieOnlyThreshold: threshold, cache: keyv });
    const jar = new CookieJar();
    jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { counter: 0 } }));
    const cookie = jar.header();
    const results = await Promise.all(Array.from({ length: 100 }, () => app.inject({ url: '/inc', headers: { cookie } })));
    t.ok(results.every((r) => r.statusCode === 200), `threshold ${threshold}: all 200`);
    const counters = results.map((r) => r.json().counter as number);
    t.ok(counters.every((c) => c === 1), 'each request saw the state it loaded');
    if (threshold === 0) {
      const state = await app.inject({ url: '/get/counter', headers: { cookie } });
      t.same(state.json(), { value: 1 }, 'last writer wins with a whole, untorn state');
    }
  }
});
