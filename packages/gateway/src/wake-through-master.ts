/**
 * @module How a gateway (the local one, or the activator on Kubernetes) wakes a frozen tenant: through the master's
 * tenants API, as an operator would, setting its state back to active.
 */
import { errorMessage } from '@tenantry/core';

/** A wake for the gateway: PATCH {"state":"active"} on the master's admin backend with the admin token; rejects with why when refused. */
export function wakeThroughMaster(adminBackendUrl: string, adminToken: string, timeoutMs = 5_000): (tenant: string) => Promise<void> {
  return async (tenant) => {
    const response = await fetch(`${adminBackendUrl}/admin/api/tenants/${encodeURIComponent(tenant)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'active' }),
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((err: unknown) => {
      throw new Error(`the control plane did not answer: ${errorMessage(err)}`);
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
      throw new Error(`the control plane answered ${response.status}: ${body?.error?.message ?? 'no reason given'}`);
    }
    await response.body?.cancel();
  };
}
