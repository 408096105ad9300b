/** @module The tenant's mail, rendered from templates and sent over SMTP (locally to the platform's catcher). */
import nodemailer, { type Transporter } from 'nodemailer';
import type pg from 'pg';
import { ACCOUNT_TOKENS, issueAccountToken, type MailJob } from '@tenantry/pod-runtime';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Sendable = Exclude<MailJob, { template: 'password-reset-request' }>;

export function renderMail(job: Sendable, tenantName: string): { subject: string; text: string; html: string } {
  switch (job.template) {
    case 'welcome':
      return {
        subject: `Welcome to ${tenantName}`,
        text: `Hello,\n\nyour account at ${tenantName} is ready. Sign in at ${job.signInUrl}\n`,
        html: `<p>Hello,</p><p>your account at ${escape(tenantName)} is ready. <a href="${escape(job.signInUrl)}">Sign in</a>.</p>`,
      };
    case 'email-verification':
      return {
        subject: `Confirm your address for ${tenantName}`,
        text: `Hello,\n\nconfirm this address to finish signing up at ${tenantName}: ${job.verifyUrl}\nThe link works once, for ${job.expiresInMinutes} minutes. If you did not sign up, ignore this mail.\n`,
        html: `<p>Hello,</p><p><a href="${escape(job.verifyUrl)}">Confirm this address</a> to finish signing up at ${escape(tenantName)}. The link works once, for ${job.expiresInMinutes} minutes. If you did not sign up, ignore this mail.</p>`,
      };
    case 'account-exists':
      return {
        subject: `Someone tried to sign up at ${tenantName} with your address`,
        text: `Hello,\n\nthis address already has an account at ${tenantName}. Sign in at ${job.signInUrl}, or set a new password at ${job.resetUrl}. If it was not you, ignore this mail.\n`,
        html: `<p>Hello,</p><p>this address already has an account at ${escape(tenantName)}. <a href="${escape(job.signInUrl)}">Sign in</a>, or <a href="${escape(job.resetUrl)}">set a new password</a>. If it was not you, ignore this mail.</p>`,
      };
    case 'password-reset':
      return {
        subject: `Reset your ${tenantName} password`,
        text: `Hello,\n\nset a new password at ${job.resetUrl}\nThe link works once, for ${job.expiresInMinutes} minutes. If you did not ask for it, ignore this mail.\n`,
        html: `<p>Hello,</p><p><a href="${escape(job.resetUrl)}">Set a new password</a>. The link works once, for ${job.expiresInMinutes} minutes. If you did not ask for it, ignore this mail.</p>`,
      };
  }
}

/**
 * The mail a job stands for: a reset request becomes a reset link for the account of that address,
 * or nothing when there is none (the backend answered the same either way).
 */
export async function resolveMail(job: MailJob, pool: pg.Pool, tenantUrl: string): Promise<Sendable | undefined> {
  if (job.template !== 'password-reset-request') return job;
  const { rows } = await pool.query<{ id: string; email: string }>('SELECT id, email FROM users WHERE lower(email) = lower($1) AND disabled_at IS NULL', [
    job.to,
  ]);
  const user = rows[0];
  if (!user) return undefined;
  const resetUrl = await issueAccountToken(pool, 'passwordReset', user.id, tenantUrl);
  return { template: 'password-reset', to: user.email, resetUrl, expiresInMinutes: ACCOUNT_TOKENS.passwordReset.minutes };
}

export class MailSender {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly tenantName: string,
  ) {
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  /** Sends one mail; a refusal or an unreachable server throws, so the job is retried. */
  async send(job: Sendable): Promise<{ messageId: string }> {
    const info = await this.transport.sendMail({ from: this.from, to: job.to, ...renderMail(job, this.tenantName) });
    return { messageId: info.messageId };
  }

  close(): void {
    this.transport.close();
  }
}
