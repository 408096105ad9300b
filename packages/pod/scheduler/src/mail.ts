/** @module The tenant's mail, rendered from templates and sent over SMTP (locally to the platform's catcher). */
import nodemailer, { type Transporter } from 'nodemailer';
import type { MailJob } from '@tenantry/pod-runtime';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderMail(job: MailJob, tenantName: string): { subject: string; text: string; html: string } {
  switch (job.template) {
    case 'welcome':
      return {
        subject: `Welcome to ${tenantName}`,
        text: `Hello ${job.name},\n\nyour account at ${tenantName} is ready. Sign in at ${job.signInUrl}\n`,
        html: `<p>Hello ${escape(job.name)},</p><p>your account at ${escape(tenantName)} is ready. <a href="${escape(job.signInUrl)}">Sign in</a>.</p>`,
      };
    case 'password-reset':
      return {
        subject: `Reset your ${tenantName} password`,
        text: `Hello ${job.name},\n\nset a new password at ${job.resetUrl}\nThe link works once, for ${job.expiresInMinutes} minutes. If you did not ask for it, ignore this mail.\n`,
        html: `<p>Hello ${escape(job.name)},</p><p><a href="${escape(job.resetUrl)}">Set a new password</a>. The link works once, for ${job.expiresInMinutes} minutes. If you did not ask for it, ignore this mail.</p>`,
      };
  }
}

export class MailSender {
  private readonly transport: Transporter;

  constructor(smtpUrl: string, private readonly from: string, private readonly tenantName: string) {
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  /** Sends one mail; a refusal or an unreachable server throws, so the job is retried. */
  async send(job: MailJob): Promise<{ messageId: string }> {
    const info = await this.transport.sendMail({ from: this.from, to: job.to, ...renderMail(job, this.tenantName) });
    return { messageId: info.messageId };
  }

  close(): void {
    this.transport.close();
  }
}
