import t from 'tap';
import { cacheFaultSuite } from './helpers/cache-faults.ts';
import { cacheServer, memcachedBackend } from './helpers/servers.ts';

// Needs a memcached it can stop and restart (MEMCACHED_URL alone is not enough).
const server = await cacheServer(t, 'memcached', { managedOnly: true });
if (server !== undefined) cacheFaultSuite(t, server, () => memcachedBackend(server));
