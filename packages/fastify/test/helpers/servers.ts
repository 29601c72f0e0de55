import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestServer } from '@gaes/test-servers';
import KeyvMemcache from '@keyv/memcache';
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';

/** A Redis or Memcached server for this test file (`1..0 # reason` without one; a failure with `CI=true`). */
export { serverForTest as cacheServer } from '@gaes/test-servers';

/** A Keyv instance over one cache server, with what the tests need to look behind it. */
export interface CacheBackend {
  readonly name: string;
  readonly keyv: Keyv;
  /** Time to live the server itself holds for `key`, in ms (`undefined` when absent or not knowable). */
  serverTtlMs?(key: string): Promise<number | undefined>;
  /** Closes the client's connections (bounded). */
  close(): Promise<void>;
}

/** An in-memory Keyv (the plugin's default). */
export function memoryBackend(): CacheBackend {
  const keyv = new Keyv();
  return { name: 'memory', keyv, close: async () => undefined };
}

/**
 * Keyv over `@keyv/redis`, configured as the README recommends: no offline queue, so calls made while
 * the server is unreachable fail at once instead of waiting for `cacheTimeout`.
 */
export function redisBackend(server: TestServer, options: { offlineQueue?: boolean } = {}): CacheBackend {
  const adapter = new KeyvRedis({ url: server.url, disableOfflineQueue: options.offlineQueue !== true });
  const keyv = new Keyv(adapter);
  return {
    name: 'redis',
    keyv,
    async serverTtlMs(key) {
      const client = await adapter.getClient();
      const ms = await client.pTTL(key);
      return ms < 0 ? undefined : ms;
    },
    async close() {
      await Promise.race([adapter.disconnect(true).catch(() => undefined), sleep(2000)]);
    },
  };
}

/** Keyv over `@keyv/memcache` (memjs), with memjs's console logging silenced. */
export function memcachedBackend(server: TestServer): CacheBackend {
  const adapter = new KeyvMemcache(server.url, { logger: { log: () => undefined }, timeout: 0.5, retries: 1 });
  const keyv = new Keyv(adapter);
  return {
    name: 'memcached',
    keyv,
    serverTtlMs: async (key) => {
      const seconds = await memcachedTtlSeconds(server.host, server.port, key);
      return seconds === undefined ? undefined : seconds * 1000;
    },
    async close() {
      (adapter.client as unknown as { close(): void }).close();
    },
  };
}

/** The remaining TTL memcached holds for `key`, in whole seconds (meta command `mg <key> t`); -1 means none. */
export async function memcachedTtlSeconds(host: string, port: number, key: string): Promise<number | undefined> {
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = new Socket();
    let data = '';
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new Error('memcached mg timed out'));
    });
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.endsWith('\r\n')) {
        socket.end();
        resolve(data);
      }
    });
    socket.connect(port, host, () => socket.write(`mg ${key} t\r\n`));
  });
  const match = /^HD t(-?\d+)/.exec(reply);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Polls `check` until it returns true or `timeoutMs` passes (every wait in these tests is bounded).
 * @returns whether `check` succeeded in time
 */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
