/** @module The tenant schema's migrations, in order. Forward only: add a file, never edit an applied one. */
import type { Migration } from '@tenantry/pg-migrator';
import identity from './0001-identity.js';
import projectsAndTasks from './0002-projects-and-tasks.js';
import files from './0003-files.js';
import accountSecurity from './0004-account-security.js';

export type { Migration };

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'identity', sql: identity },
  { version: 2, name: 'projects-and-tasks', sql: projectsAndTasks },
  { version: 3, name: 'files', sql: files },
  { version: 4, name: 'account-security', sql: accountSecurity },
];
