import { StoreRejectedError, StoreUnavailableError } from '@gaes/core';
import t from 'tap';
import { CircuitBreaker, CircuitOpenError } from '../src/breaker.ts';

function logger(): { lines: Array<{ level: string; msg: string }>; warn: (o: object, m: string) => void; info: (o: object, m: string) => void } {
  const lines: Array<{ level: string; msg: string }> = [];
  return { lines, warn: (_o, msg) => lines.push({ level: 'warn', msg }), info: (_o, msg) => lines.push({ level: 'info', msg }) };
}

const down = (): Promise<never> => Promise.reject(new StoreUnavailableError('down'));
const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

t.test('opens after the threshold of consecutive outages; then fails at once without calling the tier', async (t) => {
  const log = logger();
  let probeUp = false;
  const breaker = new CircuitBreaker({ name: 'cache', failureThreshold: 3, openMs: 10_000, maxOpenMs: 10_000, log, probe: async () => (probeUp ? 1 : down()) });
  t.teardown(() => breaker.close());
  await t.rejects(breaker.run(down), StoreUnavailableError);
  t.equal(await breaker.run(async () => 'ok'), 'ok', 'a success in between resets the count');
  await t.rejects(breaker.run(down));
  await t.rejects(breaker.run(down));
  t.equal(breaker.state, 'closed', 'two in a row: still closed');
  await t.rejects(breaker.run(down));
  t.equal(breaker.state, 'open', 'three in a row: open');
  let called = false;
  await t.rejects(
    breaker.run(async () => {
      called = true;
    }),
    CircuitOpenError,
  );
  t.notOk(called, 'an open circuit does not call the tier');
  const err = await breaker.run(async () => 1).catch((e: unknown) => e);
  t.ok(err instanceof StoreUnavailableError && (err as { code?: string }).code === 'ERR_GAES_STORE_UNAVAILABLE', 'a 503 with the usual code');
  t.same(log.lines.map((l) => l.level), ['warn'], 'the opening is logged once');
});

t.test('refusals that are not outages do not count', async (t) => {
  const breaker = new CircuitBreaker({ name: 'cache', failureThreshold: 1, openMs: 1000, maxOpenMs: 1000, log: logger(), probe: async () => 1 });
  t.teardown(() => breaker.close());
  await t.rejects(breaker.run(() => Promise.reject(new StoreRejectedError('too large'))));
  t.equal(breaker.state, 'closed');
});

t.test('background probes, one at a time with doubling waits, close the circuit when the tier answers again', async (t) => {
  const log = logger();
  let probes = 0;
  let running = 0;
  let maxRunning = 0;
  let up = false;
  const breaker = new CircuitBreaker({
    name: 'Datastore',
    failureThreshold: 1,
    openMs: 10,
    maxOpenMs: 40,
    log,
    probe: async () => {
      probes++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await wait(5);
      running--;
      if (!up) throw new StoreUnavailableError('still down');
    },
  });
  t.teardown(() => breaker.close());
  await t.rejects(breaker.run(down));
  t.equal(breaker.state, 'open');
  await wait(150);
  t.ok(probes >= 2 && probes <= 8, `${probes} probes in 150 ms with waits of 10, 20, 40, 40… ms`);
  t.equal(breaker.state, 'open', 'still open while probes fail');
  up = true;
  const deadline = Date.now() + 2000;
  while (breaker.state === 'open' && Date.now() < deadline) await wait(10);
  t.equal(breaker.state, 'closed', 'closed by a probe');
  t.equal(maxRunning, 1, 'never two probes at once');
  t.same(log.lines.map((l) => l.level), ['warn', 'info'], 'opened once, closed once');
  t.equal(await breaker.run(async () => 'ok'), 'ok');
});

t.test('close() stops probing', async (t) => {
  let probes = 0;
  const breaker = new CircuitBreaker({ name: 'cache', failureThreshold: 1, openMs: 5, maxOpenMs: 5, log: logger(), probe: async () => void probes++ });
  await t.rejects(breaker.run(down));
  breaker.close();
  await wait(50);
  t.equal(probes, 0);
});
