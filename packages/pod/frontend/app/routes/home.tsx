import { Link, useRouteLoaderData, type LoaderFunctionArgs } from 'react-router';
import { backendGet } from '../lib/backend.server.js';
import type { RootData } from '../root.js';
import { Dashboard, type DashboardData } from './dashboard.js';
import type { PlatformUsage } from './usage-panel.js';

export async function loader({ request, context }: LoaderFunctionArgs): Promise<DashboardData | null> {
  if (!context.isMaster) return null;
  // The master's home is the operator dashboard; the tenant list comes from the control plane.
  const [list, usage] = await Promise.all([
    backendGet<{ tenants: DashboardData['tenants'] }>(context, request, 'admin', '/admin/api/tenants'),
    backendGet<PlatformUsage>(context, request, 'admin', '/admin/api/platform/usage?hours=24'),
  ]);
  return list ? { tenants: list.tenants, usage: usage ?? null } : { tenants: null, usage: null };
}

export default function Home({ loaderData }: { loaderData: DashboardData | null }) {
  const root = useRouteLoaderData<RootData>('root');
  if (loaderData) return <Dashboard initial={loaderData} />;
  const tenant = root!.tenant;
  return (
    <section>
      <h1>{tenant.name}</h1>
      {root!.me ? (
        <p>
          Welcome back, {root!.me.name}. Go to your <Link to="/projects">projects</Link> or <Link to="/files">files</Link>.
        </p>
      ) : (
        <p>
          <Link to="/signup">Create an account</Link> or <Link to="/login">sign in</Link> to work on {tenant.name}'s projects.
        </p>
      )}
      <p className="muted">
        Tenant <code>{tenant.slug}</code> on the {tenant.tier} tier.
      </p>
    </section>
  );
}
