/** @module @tenantry/cli: the `tenantry` command (bin/tenantry.js). */
export { PlatformClient } from './platform-client.js';
