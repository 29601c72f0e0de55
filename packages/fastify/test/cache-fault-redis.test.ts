import t from 'tap';
import { cacheFaultSuite } from './helpers/cache-faults.ts';
import { cacheServer, redisBackend } from './helpers/servers.ts';

// Needs a redis-server it can stop and restart (REDIS_URL alone is not enough).
const server = await cacheServer(t, 'redis', { managedOnly: true });
if (server !== undefined) cacheFaultSuite(t, server, () => redisBackend(server));
