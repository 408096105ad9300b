/**
 * @module Idle freezing in the master: each tier's idle time, and the record of real requests its driver has.
 * Locally that is the gateway's (every request passes through it); on Kubernetes requests go through the
 * ingress controller, so it is the analytics pipeline's: every pod program sends an event per real request
 * (probes left out by the same rule), stored by the master's consumer.
 */
import type { AnalyticsStore, BusConsumer } from '@tenantry/analytics';
import { IdleFreezer, type ProvisioningWorker, type TenantCatalog, type TrafficRecord } from '@tenantry/control-plane';
import type { Logger } from '@tenantry/core';
import { AgentClient } from '@tenantry/driver-local';
import type { MasterConfig } from '../config.js';

/**
 * Requests as the analytics pipeline knows them: the store's last request of each tenant, and a tenant whose
 * events wait on the bus, not stored yet (the consumer behind, or down), counts as having had one now. The
 * store keeps every request since the tenant began, so the record holds from the start. A tenant whose
 * programs cannot reach the bus at all looks idle and may be frozen while used; its next request wakes it.
 */
export class AnalyticsTraffic implements TrafficRecord {
  constructor(
    private readonly store: Pick<AnalyticsStore, 'lastRequests'>,
    private readonly bus: Pick<BusConsumer, 'backlogged'>,
  ) {}

  async lastRequests(tenants: readonly string[], from: Date): Promise<{ since: Date; requests: ReadonlyMap<string, Date> }> {
    // The bus first: an event stored between the two reads is then in the store's answer.
    const backlogged = await this.bus.backlogged(tenants);
    const requests = await this.store.lastRequests(tenants, from);
    const now = new Date();
    for (const tenant of backlogged) requests.set(tenant, now);
    return { since: new Date(0), requests };
  }
}

/** Starts freezing idle tenants by their tier's idle time, if any tier has one; returns its stop. */
export function startIdleFreezing(
  provisioning: { catalog: TenantCatalog; worker: ProvisioningWorker },
  master: MasterConfig,
  analytics: TrafficRecord,
  log: Logger,
): () => Promise<void> {
  const freezeAfterMs = {
    ...(master.TENANTRY_FREEZE_AFTER_TRIAL !== undefined ? { trial: master.TENANTRY_FREEZE_AFTER_TRIAL } : {}),
    ...(master.TENANTRY_FREEZE_AFTER_PRODUCTION !== undefined ? { production: master.TENANTRY_FREEZE_AFTER_PRODUCTION } : {}),
  };
  if (Object.keys(freezeAfterMs).length === 0) {
    log.info('idle freezing off for every tier');
    return async () => undefined;
  }
  const agent = master.TENANTRY_DRIVER === 'local' ? new AgentClient(master.TENANTRY_AGENT_URL, master.TENANTRY_AGENT_TOKEN) : undefined;
  const traffic: TrafficRecord = agent ? { lastRequests: () => agent.activity() } : analytics;
  const freezer = new IdleFreezer({ catalog: provisioning.catalog, queue: provisioning.worker, traffic, freezeAfterMs, log });
  freezer.start();
  log.info({ freezeAfterMs, record: agent ? 'gateway' : 'analytics' }, 'idle freezing started');
  return () => freezer.stop();
}
