import { Link, Links, Meta, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useRouteLoaderData, type LoaderFunctionArgs } from 'react-router';
import type { ReactNode } from 'react';
import { currentUser, tenantConfig } from './lib/backend.server.js';
import './context.js';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const [tenant, me] = await Promise.all([tenantConfig(context, request), context.isMaster ? undefined : currentUser(context, request)]);
  return { tenant, me: me ?? null };
}

export type RootData = Awaited<ReturnType<typeof loader>>;

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#111;background:#f6f7f9}
header{display:flex;gap:1rem;align-items:center;padding:.75rem 1.5rem;background:var(--brand);color:#fff}
header a{color:#fff;text-decoration:none}header .grow{flex:1}main{max-width:960px;margin:1.5rem auto;padding:0 1rem}
section{background:#fff;border:1px solid #e3e5e8;border-radius:8px;padding:1rem 1.25rem;margin-bottom:1rem}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid #c9ccd1;border-radius:6px}
button{background:var(--brand);color:#fff;border-color:var(--brand);cursor:pointer}button.secondary{background:#fff;color:#111}
form.inline{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}form.stack{display:grid;gap:.6rem;max-width:360px}
.error{color:#b42318}.muted{color:#667085}.badge{display:inline-block;padding:0 .45rem;border-radius:999px;background:#eef2ff;font-size:.85em}
.ok{background:#dcfce7}.bad{background:#fee2e2}.busy{background:#fef9c3}pre{white-space:pre-wrap}
`;

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<RootData>('root');
  const tenant = data?.tenant;
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{tenant ? (tenant.isMaster ? 'Tenantry operator dashboard' : tenant.name) : 'Tenantry'}</title>
        <Meta />
        <Links />
        <style dangerouslySetInnerHTML={{ __html: `:root{--brand:${tenant?.branding.primaryColor ?? '#2563eb'}}${CSS}` }} />
      </head>
      <body>
        <header>
          {tenant?.branding.logoUrl ? <img src={tenant.branding.logoUrl} alt="" height={28} /> : null}
          <Link to="/">
            <strong>{tenant?.isMaster ? 'Tenantry operator' : (tenant?.name ?? 'Tenantry')}</strong>
          </Link>
          <span className="grow" />
          {tenant && !tenant.isMaster && data?.me ? (
            <>
              {tenant.features.projects !== false ? <Link to="/projects">Projects</Link> : null}
              {tenant.features.files !== false ? <Link to="/files">Files</Link> : null}
              {data.me.role === 'admin' ? <Link to="/admin">Admin</Link> : null}
              <span>{data.me.name}</span>
            </>
          ) : null}
          {tenant && !tenant.isMaster && !data?.me ? (
            <>
              <Link to="/login">Sign in</Link>
              <Link to="/signup">Sign up</Link>
            </>
          ) : null}
        </header>
        <main>{children}</main>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary({ error }: { error: unknown }) {
  const message = isRouteErrorResponse(error)
    ? `${error.status}: ${typeof error.data === 'string' ? error.data : error.statusText}`
    : 'something went wrong; see the frontend log';
  return (
    <section>
      <h2>Sorry</h2>
      <p className="error">{message}</p>
      <Link to="/">Home</Link>
    </section>
  );
}
