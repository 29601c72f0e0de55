import t from 'tap';
import { startEmulatorProcess } from '../src/index.ts';
import { clusterSuite } from './helpers/suite.ts';
import type { SetupOptions } from './helpers/setup.ts';

// Several app processes per set-up over ONE Datastore emulator process (each set-up in its own namespace),
// driven over real sockets by browser-like clients; scenarios (a)–(e) are in helpers/scenarios.ts.
const emulator = await startEmulatorProcess();
t.teardown(() => emulator.stop());
t.comment(`datastore emulator at ${emulator.host}${emulator.managed ? ` (pid ${String(emulator.pid)})` : ' (from DATASTORE_EMULATOR_HOST)'}`);

const setups: ReadonlyArray<{ readonly title: string } & Omit<SetupOptions, 'emulator'>> = [
  // Each process has its own in-memory cache (the default); every session server-side (cookieOnlyThreshold 0).
  { title: 'server-side sessions, in-memory cache per process', cache: 'memory', tier: 'server' },
  { title: 'server-side sessions, one shared Redis', cache: 'redis', tier: 'server' },
  { title: 'server-side sessions, one shared Memcached', cache: 'memcached', tier: 'server' },
  // The default threshold: small sessions live in their cookies. Writes and increments hold across instances
  // because the cookie carries the data; an old cookie copy outlives logout and regenerateId (the README's
  // "Limits of stateless cookies"), which the scenarios assert as such.
  { title: 'cookie-tier sessions (default threshold)', cache: 'memory', tier: 'cookie' },
];

// Two set-ups at a time: their processes start once each and then mostly wait on sockets; more at once would
// make a dozen processes load side by side on a 2-core machine.
t.jobs = 2;
for (const { title, ...options } of setups) {
  t.test(title, { buffered: true }, (t) => clusterSuite(t, { ...options, emulator }));
}
