/** @module The tenant as the API shows it: the catalog record plus where it is served. */
import { tenantHost, tenantUrl } from '@tenantry/core';
import type { TenantRecord } from '../catalog/tenant-catalog.js';
import type { TenantHealth } from './tenant-health.js';

export interface PublicAddress {
  domain: string;
  /** The gateway's public port, shown in tenant URLs (omitted when 80). */
  port: number;
}

export type TenantResource = TenantRecord & { host: string; url: string; health: TenantHealth | null };

export function tenantResource(record: TenantRecord, address: PublicAddress, health: TenantHealth | null = null): TenantResource {
  const host = tenantHost(record.slug, address.domain);
  return { ...record, host, url: tenantUrl(record.slug, address.domain, address.port), health: record.status === 'ready' ? health : null };
}
