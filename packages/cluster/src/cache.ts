import { setTimeout as sleep } from 'node:timers/promises';
import { Keyv } from 'keyv';
import type { ClusterAppConfig } from './config.ts';

/** A Keyv for the plugin's `cache` option and how to close its connections. */
export interface ClusterCache {
  readonly keyv: Keyv;
  close(): Promise<void>;
}

/**
 * The cache a configuration names, set up as the README recommends: in-memory (per process); Redis through
 * `@keyv/redis` with `disableOfflineQueue` (unless `redisOfflineQueue`), a 60 s ping and a 2 s connect
 * timeout; Memcached through `@keyv/memcache` with memjs's 0.5 s timeout, one retry, and its logging off.
 * Only the adapter in use is loaded (each process starts faster).
 */
export async function createCache(config: ClusterAppConfig): Promise<ClusterCache> {
  if (config.cache === 'redis') {
    const { default: KeyvRedis } = await import('@keyv/redis');
    const adapter = new KeyvRedis({
      url: config.cacheUrl as string,
      disableOfflineQueue: config.redisOfflineQueue !== true,
      pingInterval: 60_000,
      socket: { connectTimeout: 2000 },
    });
    return {
      keyv: new Keyv(adapter),
      // A server that is down or frozen must not hold up the process's exit.
      close: () => Promise.race([adapter.disconnect(true).catch(() => undefined), sleep(1000)]).then(() => undefined),
    };
  }
  if (config.cache === 'memcached') {
    const { default: KeyvMemcache } = await import('@keyv/memcache');
    const adapter = new KeyvMemcache(config.cacheUrl as string, { timeout: 0.5, retries: 1, logger: { log: () => undefined } });
    return {
      keyv: new Keyv(adapter),
      close: async () => {
        (adapter.client as unknown as { close(): void }).close();
      },
    };
  }
  return { keyv: new Keyv(), close: async () => undefined };
}
