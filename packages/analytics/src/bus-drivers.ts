/**
 * @module The provisioning step `analytics`: gives each tenant its place on the bus. With Kafka, the tenant's topic
 * is created before its pod starts, and the pod is told the brokers and how to log in (on Amazon MSK, IAM: the
 * tenant's role, from Terraform, may write that one topic only). With Redis Streams, a login on the platform's
 * Redis that may only append to the tenant's stream.
 */
import { Admin } from '@platformatic/kafka';
import { observeRedisLogin, type AnalyticsBusDriver, type AnalyticsGrant, type Observed, type TenantRef } from '@tenantry/control-plane';
import { randomSecret, saveRedisUsers, tenantAnalyticsRules, tenantAnalyticsUser, tenantRedisPrefix } from '@tenantry/core';
import { Redis } from 'ioredis';
import { kafkaConnectionOptions, type KafkaAuth } from './kafka-auth.js';
import { analyticsTopic, ensureTopics } from './kafka-bus.js';
import { analyticsStream } from './redis-streams-bus.js';

/**
 * The Redis Streams bus. Given the platform's Redis login, each tenant gets a login of its own there
 * that may only append to its stream (its queues live on a server of its own); without one, the
 * tenant publishes with its queue login, on the same server (the stream goes with its key prefix).
 */
export class RedisStreamsBusDriver implements AnalyticsBusDriver {
  private readonly admin: Redis | undefined;

  constructor(private readonly platformRedisUrl?: string) {
    this.admin = platformRedisUrl ? new Redis(platformRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 }) : undefined;
  }

  async create(tenant: TenantRef): Promise<AnalyticsGrant> {
    if (!this.admin || !this.platformRedisUrl) return { env: {} };
    const user = tenantAnalyticsUser(tenant.slug);
    const password = randomSecret();
    const rules = tenantAnalyticsRules(analyticsStream(tenantRedisPrefix(tenant.slug)));
    await this.admin.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, ...rules);
    await saveRedisUsers(this.admin);
    const url = new URL(this.platformRedisUrl);
    url.username = user;
    url.password = password;
    return { env: { ANALYTICS_REDIS_URL: url.toString() } };
  }

  async remove(tenant: TenantRef): Promise<void> {
    if (!this.admin) return;
    await this.admin.call('ACL', 'DELUSER', tenantAnalyticsUser(tenant.slug));
    await saveRedisUsers(this.admin);
    await this.admin.del(analyticsStream(tenantRedisPrefix(tenant.slug)));
  }

  async close(): Promise<void> {
    this.admin?.disconnect();
  }

  /**
   * The tenant's analytics login answers PING on the platform's Redis (the stream itself is made by
   * its first event); without a login of its own, present (the queue step observes its login).
   */
  async observe(_tenant: TenantRef, grant: AnalyticsGrant): Promise<Observed> {
    const url = grant.env.ANALYTICS_REDIS_URL;
    return url ? observeRedisLogin(url) : { state: 'present' };
  }
}

export class KafkaTopicsBusDriver implements AnalyticsBusDriver {
  constructor(
    private readonly brokers: readonly string[],
    private readonly replicas = 1,
    private readonly auth?: KafkaAuth,
  ) {}

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = new Admin({
      clientId: 'tenantry-provisioning',
      bootstrapBrokers: [...this.brokers],
      ...kafkaConnectionOptions(this.auth),
      connectTimeout: 5_000,
      timeout: 10_000,
    });
    try {
      return await work(admin);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  async create(tenant: TenantRef): Promise<AnalyticsGrant> {
    const topic = analyticsTopic(tenant.slug);
    await this.withAdmin((admin) => ensureTopics(admin, [topic], this.replicas));
    return { env: this.podEnvironment() };
  }

  /** What a tenant's programs are told: the brokers, and how to log in (their region comes with the storage step). */
  podEnvironment(): Record<string, string> {
    return { KAFKA_BROKERS: this.brokers.join(','), ...(this.auth ? { KAFKA_AUTH: this.auth.mechanism } : {}) };
  }

  async remove(tenant: TenantRef): Promise<void> {
    const topic = analyticsTopic(tenant.slug);
    await this.withAdmin(async (admin) => {
      if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
    });
  }

  /** Whether the tenant's topic exists on the cluster. */
  async observe(tenant: TenantRef): Promise<Observed> {
    const topic = analyticsTopic(tenant.slug);
    const topics = await this.withAdmin((admin) => admin.listTopics());
    return topics.includes(topic) ? { state: 'present' } : { state: 'missing', message: `Kafka has no topic ${topic} for ${tenant.slug}'s analytics` };
  }
}
