/** @module The mail catcher's configuration, validated once at start-up. */
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';

const schema = z
  .object({
    MAIL_CATCHER_KEY: z
      .string({ message: "is required: the secret every tenant's mail password is derived from" })
      .check(z.minLength(16, 'must be at least 16 characters long')),
    MAIL_CATCHER_DATA_DIR: z.pipe(
      z.string({ message: 'is required: the folder the mailboxes are kept in' }).check(z.minLength(1, 'must name a folder')),
      z.transform((path: string) => resolve(path)),
    ),
    MAIL_CATCHER_SMTP_PORT: env.port(),
    MAIL_CATCHER_HTTP_PORT: env.port(),
    LOG_LEVEL: env.logLevel(),
  })
  .check(
    z.refine((c) => c.MAIL_CATCHER_SMTP_PORT !== c.MAIL_CATCHER_HTTP_PORT, {
      message: 'must differ from MAIL_CATCHER_SMTP_PORT',
      path: ['MAIL_CATCHER_HTTP_PORT'],
    }),
  );

export type MailCatcherConfig = z.output<typeof schema>;

export function readMailCatcherConfig(environment: NodeJS.ProcessEnv = process.env): Readonly<MailCatcherConfig> {
  return readConfig('mail-catcher', schema, environment);
}
