/** @module The mail catcher as a program, run and supervised by the local platform. */
import { createLogger, runMain } from '@tenantry/core';
import { readMailCatcherConfig } from './config.js';
import { startMailCatcher } from './mail-catcher.js';

runMain(async () => {
  const config = readMailCatcherConfig();
  const logger = createLogger('mail-catcher', config.LOG_LEVEL, { program: 'mail-catcher' });
  const catcher = await startMailCatcher({
    key: config.MAIL_CATCHER_KEY,
    dataDir: config.MAIL_CATCHER_DATA_DIR,
    smtpPort: config.MAIL_CATCHER_SMTP_PORT,
    httpPort: config.MAIL_CATCHER_HTTP_PORT,
    logger,
  });
  logger.info({ smtpPort: catcher.smtpPort, httpPort: catcher.httpPort, dataDir: config.MAIL_CATCHER_DATA_DIR }, 'mail catcher listening');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal while stopping must not start a second close.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    catcher.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
});
