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
  const breaker = new CircuitBreaker({ name: 'cache', failureThreshold: 3, openMs: 10_000, maxOpenMs: 10_000, slowCallMs: 10_000, log, probe: async () => (probeUp ? 1 : down()) });
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
  const breaker = new CircuitBreaker({ name: 'cache', failureThreshold: 1, openMs: 1000, maxOpenMs: 1000, slowCallMs: 10_000, log: logger(), probe: async () => 1 });
  t.teardown(() => breaker.close());
  await t.rejects(breaker.run(() => Promise.reject(new StoreRejectedError('too large'))));
  t.equal(breaker.state, 'closed');
});

t.test('background probes, one at a time with doubling waits, close the circuit when the tier answers again', async (t) => {
  const log = logger();
  let probes = 0;
  const startedAt: number[] = [];
  let running = 0;
  let maxRunning = 0;
  let up = false;
  const breaker = new CircuitBreaker({
    name: 'Datastore',
    failureThreshold: 1,
    openMs: 10,
    maxOpenMs: 40,
    slowCallMs: 10_000,
    log,
    probe: async () => {
      probes++;
      startedAt.push(performance.now());
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
  const until = Date.now() + 3000;
  while (probes < 4 && Date.now() < until) await wait(10);
  t.ok(probes >= 4, `${probes} probes while the tier stays down`);
  // Timers never fire early: each wait is at least its planned length (10, 20, 40, then 40 ms: the cap), after a 5 ms probe.
  const gaps = startedAt.slice(1, 4).map((at, i) => at - (startedAt[i] as number));
  t.ok(gaps.every((gap, i) => gap >= [20, 40, 40][i]! + 5 - 2), `waits double up to the cap: ${gaps.map((g) => Math.round(g)).join(', ')} ms between probes`);
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
  const breaker = new CircuitBreaker({ name: 'cache', failureThreshold: 1, openMs: 5, maxOpenMs: 5, slowCallMs: 10_000, log: logger(), probe: async () => void probes++ });
  await t.rejects(breaker.run(down));
  breaker.close();
  await wait(50);
  t.equal(probes, 0);
});

t.test('a frozen tier: enough calls pending past slowCallMs open the circuit, and every pending call fails at once', async (t) => {
  const log = logger();
  const breaker = new CircuitBreaker({ name: 'cache', failureThreshold: 3, openMs: 60_000, maxOpenMs: 60_000, slowCallMs: 30, log, probe: down });
  t.teardown(() => breaker.close());
  const never = (): Promise<never> => new Promise(() => {});
  const started = performance.now();
  const calls = [breaker.run(never), breaker.run(never), breaker.run(never)];
  const outcomes = await Promise.allSettled(calls);
  const elapsed = performance.now() - started;
  t.ok(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof CircuitOpenError), 'the hung calls failed with CircuitOpenError');
  t.ok(elapsed < 5000, `without waiting for any timeout (${Math.round(elapsed)} ms; the calls never settle)`);
  t.equal(breaker.state, 'open');
  t.match(log.lines, [{ level: 'warn', msg: /unavailable/ }]);
  await t.rejects(breaker.run(async () => 1), CircuitOpenError, 'and new calls fail at once');
});

t.test('one slow call alone does not open the circuit', async (t) => {
  const breaker = new CircuitBreaker({ name: 'cache', failureThreshold: 3, openMs: 1000, maxOpenMs: 1000, slowCallMs: 10, log: logger(), probe: down });
  t.teardown(() => breaker.close());
  t.equal(await breaker.run(() => wait(60).then(() => 'late but fine')), 'late but fine');
  t.equal(breaker.state, 'closed');
});
