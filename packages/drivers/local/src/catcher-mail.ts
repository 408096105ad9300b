/**
 * @module Mail: every tenant sends over SMTP to the platform's local catcher, with credentials
 * derived from the catcher's key (nothing stored per tenant), and reads back only its own mailbox.
 */
import type { MailDriver, MailGrant, Observed, TenantRef } from '@tenantry/control-plane';
import { basicAuthRequest, tenantHost } from '@tenantry/core';
import { mailCredentials } from '@tenantry/mail-catcher/credentials';

export interface CatcherMailOptions {
  smtpPort: number;
  httpPort: number;
  /** The catcher's key (MAIL_CATCHER_KEY). */
  key: string;
  domain: string;
}

export class CatcherMail implements MailDriver {
  constructor(private readonly options: CatcherMailOptions) {}

  async create(tenant: TenantRef): Promise<MailGrant> {
    const { user, password } = mailCredentials(this.options.key, tenant.slug);
    const login = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
    return {
      url: `smtp://${login}@127.0.0.1:${this.options.smtpPort}`,
      from: `${JSON.stringify(tenant.name)} <no-reply@${tenantHost(tenant.slug, this.options.domain)}>`,
      inboxUrl: `http://${login}@127.0.0.1:${this.options.httpPort}/mailboxes/${tenant.slug}`,
    };
  }

  async remove(tenant: TenantRef): Promise<void> {
    const { inboxUrl } = await this.create(tenant);
    const { url, authorization } = basicAuthRequest(inboxUrl!);
    const response = await fetch(url, { method: 'DELETE', headers: { authorization } });
    if (!response.ok && response.status !== 404) throw new Error(`the mail catcher refused to clear ${tenant.slug}'s mailbox: HTTP ${response.status}`);
  }

  /** Opens the tenant's mailbox with the grant's credentials: refused once the catcher's key is not the one they came from. */
  async observe(tenant: TenantRef, grant: MailGrant): Promise<Observed> {
    if (!grant.inboxUrl) return { state: 'missing', message: `the mail grant of ${tenant.slug} has no mailbox` };
    const { url, authorization } = basicAuthRequest(grant.inboxUrl);
    const response = await fetch(`${url}/messages`, { headers: { authorization } }).catch((err: Error) => {
      throw new Error(`cannot observe ${tenant.slug}'s mail: the mail catcher at ${url.host} is unreachable (${String(err.cause ?? err.message)})`, {
        cause: err,
      });
    });
    await response.body?.cancel();
    if (response.ok) return { state: 'present' };
    if (response.status === 401 || response.status === 403)
      return {
        state: 'missing',
        message: `the mail catcher refuses ${tenant.slug}'s credentials (HTTP ${response.status}): its key is not the one they were made with`,
      };
    throw new Error(`cannot observe ${tenant.slug}'s mail: the mail catcher answered HTTP ${response.status}`);
  }
}
