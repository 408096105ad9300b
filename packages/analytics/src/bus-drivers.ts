/**
 * @module The provisioning step `analytics`: gives each tenant its place on the bus. With Kafka, the tenant's topic
 * is created before its pod starts, and the pod is told the brokers and how to log in (on Amazon MSK, IAM: the
 * tenant's role, from Terraform, may write that one topic only). With Redis Streams there is nothing to make:
 * the stream lives under the tenant's Redis prefix, and the queue step's removal deletes it with every other key.
 */
import { Admin } from '@platformatic/kafka';
import type { AnalyticsBusDriver, AnalyticsGrant, Observed, TenantRef } from '@tenantry/control-plane';
import { kafkaConnectionOptions, type KafkaAuth } from './kafka-auth.js';
import { analyticsTopic, ensureTopics } from './kafka-bus.js';

export class RedisStreamsBusDriver implements AnalyticsBusDriver {
  async create(): Promise<AnalyticsGrant> {
    return { env: {} };
  }

  async remove(): Promise<void> {
    // Removed with the tenant's Redis prefix.
  }

  /** Present: the stream is made by the first event and lives under the tenant's Redis prefix (the queue step's to observe). */
  async observe(): Promise<Observed> {
    return { state: 'present' };
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
