/** The bus contract against a real redis-server. */
import { Redis } from 'ioredis';
import { freePort } from '@tenantry/core';
import { startTestRedis } from '@tenantry/driver-local/test-support';
import { analyticsBusContract } from './bus.contract.js';
import { RedisStreamConsumer, RedisStreamPublisher, analyticsStream } from './redis-streams-bus.js';

analyticsBusContract('Redis Streams', async () => {
  const redis = await startTestRedis();
  const stream = (tenant: string) => analyticsStream(`t:${tenant}`);
  return {
    publisher: async (tenant) => new RedisStreamPublisher(redis.url, stream(tenant)),
    consumer: (tenants, name, group) =>
      new RedisStreamConsumer({
        redisUrl: redis.url,
        group,
        consumer: name,
        blockMs: 100,
        refreshMs: 200,
        retryDelayMs: 50,
        streams: async () => tenants.map((tenant) => ({ tenant, stream: stream(tenant) })),
      }),
    unreachablePublisher: async (tenant) => new RedisStreamPublisher(`redis://127.0.0.1:${await freePort()}`, stream(tenant)),
    removeStream: async (tenant) => {
      const client = new Redis(redis.url);
      try {
        await client.del(stream(tenant));
      } finally {
        client.disconnect();
      }
    },
    close: () => redis.stop(),
  };
});
