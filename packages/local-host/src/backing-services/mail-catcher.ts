/** @module The platform's SMTP catcher: tenants' mail is really sent over SMTP and kept per tenant under TENANTRY_HOME. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeAgent } from '../agent/node-agent.js';

export interface MailCatcherEndpoints {
  smtpPort: number;
  httpPort: number;
}

export async function startMailCatcherService(agent: NodeAgent, home: string, key: string, logLevel: string): Promise<MailCatcherEndpoints> {
  const dataDir = join(home, 'mail');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const { smtp: smtpPort, http: httpPort } = await agent.leasePorts('platform-mail', ['smtp', 'http']);
  await agent.applyWorkload(
    {
      name: 'platform-mail',
      labels: { layer: 'platform' },
      processes: [
        {
          name: 'mail-catcher',
          command: 'node',
          args: [fileURLToPath(import.meta.resolve('@tenantry/mail-catcher/main'))],
          env: {
            MAIL_CATCHER_KEY: key,
            MAIL_CATCHER_DATA_DIR: dataDir,
            MAIL_CATCHER_SMTP_PORT: String(smtpPort),
            MAIL_CATCHER_HTTP_PORT: String(httpPort),
            LOG_LEVEL: logLevel,
          },
          health: { kind: 'http', port: httpPort!, path: '/healthz' },
        },
      ],
    },
    false,
  );
  await agent.waitReadyLocal('platform-mail', 30_000);
  return { smtpPort: smtpPort!, httpPort: httpPort! };
}
