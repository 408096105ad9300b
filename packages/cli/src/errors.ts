/** @module The CLI's error catalogue and its exit codes. */
import { TenantryError } from '@tenantry/core';

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code = 'CLI_ERROR',
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const CliErrors = {
  usage: (message: string) => new CliError(`${message}\nRun "tenantry --help" for usage.`, EXIT.usage, 'USAGE'),
  noToken: (file: string) =>
    new CliError(`no admin token: ${file} does not exist. Start the platform with "npm start", or pass --token or set TENANTRY_TOKEN`, EXIT.usage, 'NO_TOKEN'),
  unreachable: (url: string, reason: string) =>
    new CliError(
      `cannot reach the platform at ${url} (${reason}); is "npm start" running? Set PORT or --url to point elsewhere`,
      EXIT.unreachable,
      'UNREACHABLE',
    ),
  api: (err: TenantryError) => new CliError(err.message, EXIT.failed, err.code),
  provisioningFailed: (slug: string, error: string) => new CliError(`tenant ${slug} failed: ${error}`, EXIT.failed, 'PROVISIONING_FAILED'),
  timeout: (slug: string, seconds: number) =>
    new CliError(`gave up waiting for tenant ${slug} after ${seconds} s; it may still finish: tenantry tenants get ${slug}`, EXIT.failed, 'TIMEOUT'),
} as const;
