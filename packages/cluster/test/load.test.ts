import { createServer } from 'node:http';
import t from 'tap';
import { bySecond, ClusterClient, percentile, runLoad, summarize, type Sample } from '../src/index.ts';

const sample = (startMs: number, latencyMs: number, outcome: Sample['outcome'], kind: Sample['kind'] = 'read'): Sample => ({ group: 'g', kind, startMs, latencyMs, outcome });

t.test('percentiles by nearest rank', async (t) => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  t.equal(percentile(sorted, 50), 50);
  t.equal(percentile(sorted, 99), 99);
  t.equal(percentile(sorted, 100), 100);
  t.equal(percentile([7], 99), 7);
  t.ok(Number.isNaN(percentile([], 50)));
});

t.test('summaries count non-2xx answers, timeouts and socket failures apart', async (t) => {
  const s = summarize([sample(0, 10, 200), sample(1, 20, 503), sample(2, 15_000, 'timeout'), sample(3, 5, 'error'), sample(4, 30, 204)], 2000);
  t.match(s, { requests: 5, p50Ms: 20, maxMs: 15_000, non2xx: 1, timeouts: 1, errors: 1, perSecond: 2.5 });
});

t.test('samples are bucketed by the second they started in', async (t) => {
  const buckets = bySecond([sample(10, 1, 200), sample(2500, 1, 200), sample(999, 1, 200)]);
  t.equal(buckets.length, 3);
  t.same(buckets.map((b) => b.length), [2, 0, 1]);
});

t.test('a load run cycles over the instances, reads then increments, and tallies increments by outcome', async (t) => {
  const hits: string[] = [];
  let incs = 0;
  const servers = await Promise.all(
    [0, 1].map(
      (n) =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer((req, res) => {
            hits.push(`${n}${req.url ?? ''}`);
            if (req.url === '/inc') incs++;
            // The third increment is refused, the others answered.
            res.writeHead(req.url === '/inc' && incs === 3 ? 503 : 200, { 'content-type': 'application/json' }).end(req.url === '/inc' ? `{"counter":${incs}}` : '{}');
          });
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  t.teardown(() => servers.forEach((s) => s.close()));
  const urls = servers.map((s) => `http://127.0.0.1:${(s.address() as { port: number }).port}`);
  const client = new ClusterClient(urls);
  t.teardown(() => client.close());
  let sent = 0;
  const samples: Sample[] = [];
  const [tally] = await runLoad({ clients: [client], group: 'g', timeoutMs: 1000, originMs: 0, running: () => sent++ < 9, onSample: (s) => samples.push(s) });
  t.same(hits.slice(0, 4), ['0/state', '1/state', '0/inc', '1/state'], 'two reads, then an increment, each on the next instance');
  t.equal(samples.length, 9);
  t.match(tally, { confirmed: 2, refused: 1, unknown: 0, answered: [1, 2] }, 'answered increments keep the counter they returned');
});
