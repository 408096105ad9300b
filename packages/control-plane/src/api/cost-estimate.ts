/**
 * @module The brief's back-of-envelope cost of a tenant on AWS, by tier: a production tenant has a
 * dedicated db.t3.micro RDS instance (~$15/month) and spot compute (~$10/month); a trial tenant
 * shares one RDS host with about 100 others (~90 % saved on its database).
 */
import type { Tier } from '@tenantry/core';

export interface CostEstimate {
  databaseUsdPerMonth: number;
  computeUsdPerMonth: number;
  totalUsdPerMonth: number;
  basis: string;
}

const DEDICATED_RDS_USD = 15;
const SPOT_COMPUTE_USD = 10;
const SHARED_RDS_SAVING = 0.9;

export function costEstimate(tier: Tier): CostEstimate {
  const database = tier === 'production' ? DEDICATED_RDS_USD : Math.round(DEDICATED_RDS_USD * (1 - SHARED_RDS_SAVING) * 100) / 100;
  return {
    databaseUsdPerMonth: database,
    computeUsdPerMonth: SPOT_COMPUTE_USD,
    totalUsdPerMonth: database + SPOT_COMPUTE_USD,
    basis:
      tier === 'production'
        ? 'dedicated db.t3.micro RDS (~$15/month) + spot compute (~$10/month), as the brief estimates'
        : 'a share of one RDS host for ~100 trial tenants (~90% less than a dedicated one) + spot compute (~$10/month)',
  };
}
