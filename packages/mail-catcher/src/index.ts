/** @module @tenantry/mail-catcher: the local platform's SMTP catcher and its per-tenant mailbox API. */
export * from './credentials.js';
export * from './mailbox-store.js';
export * from './mail-catcher.js';
export * from './config.js';
