/** @module The user backend's error catalogue; the pod server maps each to its HTTP status. */
import { TenantryError } from '@tenantry/core';

export const UserErrors = {
  notFound: (kind: string, id: string) => new TenantryError('NOT_FOUND', 404, `no ${kind} ${id}`),
  emailTaken: () => new TenantryError('EMAIL_TAKEN', 409, 'an account with this email already exists; sign in or reset the password'),
  badCredentials: () => new TenantryError('BAD_CREDENTIALS', 401, 'wrong email or password'),
  signupClosed: () => new TenantryError('SIGNUP_CLOSED', 403, 'sign-up is turned off for this organisation; ask an admin to add you'),
  verificationInvalid: () =>
    new TenantryError('VERIFICATION_TOKEN_INVALID', 400, 'the confirmation link is invalid, used or expired; sign in to get a new one'),
  unverified: () => new TenantryError('EMAIL_NOT_VERIFIED', 403, 'confirm your address first: a new link is on its way to it'),
  resetInvalid: () => new TenantryError('RESET_TOKEN_INVALID', 400, 'the reset link is invalid, used or expired; ask for a new one'),
  invalidCursor: () => new TenantryError('INVALID_CURSOR', 400, 'cursor is not one this API returned; start from the first page'),
  fileTooLarge: (maxMb: number) => new TenantryError('FILE_TOO_LARGE', 413, `files are limited to ${maxMb} MiB`),
  fileType: (type: string, allowed: readonly string[]) =>
    new TenantryError('UNSUPPORTED_FILE_TYPE', 415, `files of type ${type || '(none)'} are not accepted; send one of: ${allowed.join(', ')}`),
  fileContent: (type: string) => new TenantryError('FILE_CONTENT_MISMATCH', 415, `the file's content is not ${type}; send it with its real Content-Type`),
  fileName: () => new TenantryError('INVALID_FILE_NAME', 400, 'give the file a name with ?name=<file name> (1 to 200 characters, no slashes)'),
  featureOff: (feature: string) =>
    new TenantryError('FEATURE_DISABLED', 403, `${feature} are turned off for this organisation; an admin can turn them on in the settings`),
  mailUnavailable: () => new TenantryError('MAIL_UNAVAILABLE', 503, 'the reset mail cannot be queued right now; try again in a minute'),
  emptyFile: () => new TenantryError('EMPTY_FILE', 400, 'the file is empty'),
} as const;
