/**
 * @module The mail step on AWS: tenants send through the platform's SMTP relay (e.g. Amazon SES's SMTP
 * interface), each from its own address under `<slug>.<domain>`. There is no mailbox to read: the admin
 * backend's sent-mail view is a local feature.
 */
import type { MailDriver, MailGrant, Observed, TenantRef } from '@tenantry/control-plane';

export class RelayMail implements MailDriver {
  /** `relayUrl`: smtp://user:password@host:587 of the relay. */
  constructor(
    private readonly relayUrl: string,
    private readonly domain: string,
  ) {}

  async create(tenant: TenantRef): Promise<MailGrant> {
    return { url: this.relayUrl, from: `no-reply@${tenant.slug}.${this.domain}` };
  }

  async remove(): Promise<void> {}

  /**
   * Tenants share the relay's credentials, so there is nothing of the tenant's own to check: present while the
   * grant names the relay the platform sends through now, missing once the relay's URL changed (rotated credentials).
   */
  async observe(tenant: TenantRef, grant: MailGrant): Promise<Observed> {
    if (grant.url === this.relayUrl) return { state: 'present' };
    return { state: 'missing', message: `${tenant.slug}'s mail grant names another SMTP relay (or credentials) than the platform's now` };
  }
}
