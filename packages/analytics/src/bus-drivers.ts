/**
 * @module The provisioning step `analytics`: gives each tenant its place on the bus. With Kafka, the tenant's topic
 * is created before its pod starts, and the pod is told the brokers (on a managed cluster, this is also where
 * the tenant's write permission on that one topic would be granted). With Redis Streams there is nothing to make:
 * the stream lives under the tenant's Redis prefix, and the queue step's removal deletes it with every other key.
 */
import { Admin } from '@platformatic/kafka';
import type { AnalyticsBusDriver, AnalyticsGrant, TenantRef } from '@tenantry/control-plane';
import { analyticsTopic, ensureTopics } from './kafka-bus.js';

export class RedisStreamsBusDriver implements AnalyticsBusDriver {
  async create(): Promise<AnalyticsGrant> {
    return { env: {} };
  }

  async remove(): Promise<void> {
    // Removed with the tenant's Redis prefix.
  }
}

export class KafkaTopicsBusDriver implements AnalyticsBusDriver {
  constructor(private readonly brokers: readonly string[], private readonly replicas = 1) {}

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = new Admin({ clientId: 'tenantry-provisioning', bootstrapBrokers: [...this.brokers], connectTimeout: 5_000, timeout: 10_000 });
    try {
      return await work(admin);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  async create(tenant: TenantRef): Promise<AnalyticsGrant> {
    const topic = analyticsTopic(tenant.slug);
    await this.withAdmin((admin) => ensureTopics(admin, [topic], this.replicas));
    return { env: { KAFKA_BROKERS: this.brokers.join(',') } };
  }

  async remove(tenant: TenantRef): Promise<void> {
    const topic = analyticsTopic(tenant.slug);
    await this.withAdmin(async (admin) => {
      if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
    });
  }
}
