/** Analytics end to end on the embedded path: Redis Streams (the platform's Redis) → the master's Postgres. */
import { analyticsFlow } from './analytics-flow.scenario.js';

analyticsFlow('Redis Streams → Postgres', '21000-21499', async () => ({
  env: {},
  busPid: (platform) => platform.pid('platform-redis', 'redis'),
  close: async () => undefined,
}));
