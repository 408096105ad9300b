/** What the frontend's server passes to every loader: where the co-located backends listen. */
export interface FrontendContext {
  tenant: string;
  isMaster: boolean;
  userBackendUrl: string;
  adminBackendUrl: string;
}

declare module 'react-router' {
  interface AppLoadContext extends FrontendContext {}
}
