/** @module What the frontend's server passes to every loader: where the co-located backends listen, and its log. */
import type { Logger } from '@tenantry/core';

export interface FrontendContext {
  tenant: string;
  isMaster: boolean;
  userBackendUrl: string;
  adminBackendUrl: string;
  log: Logger;
}

declare module 'react-router' {
  interface AppLoadContext extends FrontendContext {}
}
