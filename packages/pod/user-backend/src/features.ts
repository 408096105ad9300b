/** @module The tenant's feature switches (set by its admins), read with a short cache so every request need not ask. */
import type { Pool, Principal, SessionAuthority, SessionRequest } from '@tenantry/pod-runtime';
import { UserErrors } from './errors.js';

export type Feature = 'projects' | 'files';

/** How long an admin's change may take to reach this program. */
const TTL_MS = 2_000;

export class FeatureSwitches {
  private cached: { at: number; features: Record<string, boolean> } | undefined;

  constructor(private readonly pool: Pool) {}

  async current(): Promise<Record<string, boolean>> {
    if (this.cached && performance.now() - this.cached.at < TTL_MS) return this.cached.features;
    const { rows } = await this.pool.query<{ features: Record<string, boolean> }>('SELECT features FROM tenant_settings');
    this.cached = { at: performance.now(), features: rows[0]?.features ?? {} };
    return this.cached.features;
  }

  /** Throws a 403 naming the feature when the tenant's admins turned it off. */
  async require(feature: Feature): Promise<void> {
    if ((await this.current())[feature] === false) throw UserErrors.featureOff(feature);
  }
}

/** The sign-in check of a feature's routes: a signed-in user, and the feature on. */
export function featureGuard(sessions: SessionAuthority, features: FeatureSwitches, feature: Feature) {
  return async (request: SessionRequest): Promise<Principal> => {
    const me = await sessions.authenticate(request);
    await features.require(feature);
    return me;
  };
}
