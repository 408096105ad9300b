/**
 * Server to server: loaders call the co-located backends at their internal URLs (from the
 * environment), forwarding the browser's cookies so the page renders as the signed-in user.
 */
import { data, redirect } from 'react-router';
import { sameOriginTarget } from '@tenantry/core/redirect';
import type { FrontendContext } from '../context.js';

export interface TenantConfig {
  slug: string;
  name: string;
  tier: string;
  isMaster: boolean;
  branding: { primaryColor: string; logoUrl: string | null };
  features: Record<string, boolean>;
}

export interface Me {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
}

type Backend = 'user' | 'admin';

/** GET a backend path as the browser's user; undefined on 401/403/404, an error page on anything else. */
export async function backendGet<T>(context: FrontendContext, request: Request, backend: Backend, path: string): Promise<T | undefined> {
  const base = backend === 'user' ? context.userBackendUrl : context.adminBackendUrl;
  const cookie = request.headers.get('cookie');
  const response = await fetch(new URL(path, base), { headers: cookie ? { cookie } : {} });
  if ([401, 403, 404].includes(response.status)) return undefined;
  if (!response.ok) throw data(`the ${backend} backend answered ${response.status}`, { status: 502 });
  return (await response.json()) as T;
}

export async function tenantConfig(context: FrontendContext, request: Request): Promise<TenantConfig> {
  const config = await backendGet<TenantConfig>(context, request, 'user', '/api/user/config');
  if (!config) throw data('the user backend has no tenant configuration', { status: 502 });
  return config;
}

export const currentUser = (context: FrontendContext, request: Request) => backendGet<Me>(context, request, 'user', '/api/auth/me');

/** The signed-in user, or a redirect to the sign-in page that comes back here. */
export async function requireUser(context: FrontendContext, request: Request): Promise<Me> {
  const me = await currentUser(context, request);
  if (!me) {
    const here = new URL(request.url);
    throw redirect(`/login?next=${encodeURIComponent(sameOriginTarget(`${here.pathname}${here.search}`, here.origin, '/projects'))}`);
  }
  return me;
}
