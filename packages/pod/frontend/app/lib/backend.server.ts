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

/**
 * GET a backend path as the browser's user; undefined on 401/403/404. Any other 4xx is the
 * request's fault, so the page answers it too (a path parameter the backend refuses, a malformed
 * id, means there is no such page: 404); only a backend that is unreachable or fails is a 502.
 */
export async function backendGet<T>(context: FrontendContext, request: Request, backend: Backend, path: string): Promise<T | undefined> {
  const base = backend === 'user' ? context.userBackendUrl : context.adminBackendUrl;
  const cookie = request.headers.get('cookie');
  let response: Response;
  try {
    response = await fetch(new URL(path, base), { headers: cookie ? { cookie } : {}, signal: request.signal });
  } catch (err) {
    if (request.signal.aborted) throw err;
    throw data(`the ${backend} backend cannot be reached`, { status: 502 });
  }
  if ([401, 403, 404].includes(response.status)) return undefined;
  if (response.status >= 400 && response.status < 500) {
    const message = await backendErrorMessage(response);
    if (message.startsWith('params/')) throw data(`no such page: ${message}`, { status: 404 });
    throw data(message, { status: response.status });
  }
  if (!response.ok) throw data(`the ${backend} backend answered ${response.status}`, { status: 502 });
  return (await response.json()) as T;
}

/** The message of a backend's `{"error":{"code","message"}}` answer, or its status when it has none. */
async function backendErrorMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: unknown } } | undefined;
  return typeof body?.error?.message === 'string' ? body.error.message : `bad request (${response.status})`;
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
