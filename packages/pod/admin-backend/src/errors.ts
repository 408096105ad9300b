/** @module The admin backend's error catalogue; the pod server maps each to its HTTP status. */
import { TenantryError } from '@tenantry/core';

export const AdminErrors = {
  notFound: (kind: string, id: string) => new TenantryError('NOT_FOUND', 404, `no ${kind} ${id}`),
  emailTaken: () => new TenantryError('EMAIL_TAKEN', 409, 'a user with this email already exists'),
  lastAdmin: () => new TenantryError('LAST_ADMIN', 409, 'this is the only enabled admin; make another user admin first'),
  noMailbox: () => new TenantryError('NO_MAILBOX', 404, 'this platform sends real mail (no local catcher), so sent mail cannot be read here'),
  mailbox: (status: number) => new TenantryError('MAILBOX_UNAVAILABLE', 502, `the mail catcher answered HTTP ${status}`),
  jobNotFailed: (id: string) => new TenantryError('JOB_NOT_FAILED', 409, `job ${id} has not failed; only failed jobs can be retried`),
} as const;
