/** The master's operator dashboard: every tenant, live (server-sent events), with create and delete. */
import { useEffect, useState } from 'react';
import { useRevalidator } from 'react-router';
import { api } from '../lib/api.js';
import { useAction } from '../lib/use-action.js';
import { UsagePanel, type PlatformUsage } from './usage-panel.js';
import { ActionForm, ErrorLine } from '../lib/action-form.js';

interface Step {
  name: string;
  state: string;
  detail: string | null;
  durationMs: number | null;
  error: string | null;
}
interface Tenant {
  slug: string;
  name: string;
  tier: string;
  status: string;
  url: string;
  error: string | null;
  schemaVersion: number | null;
  schemaError: string | null;
  health?: { ok: boolean; checkedAt: string; detail: string } | null;
  steps: Step[];
  conditions?: { type: string; status: string; lastTransitionTime: string }[];
}
export interface DashboardData {
  tenants: Tenant[] | null;
  usage: PlatformUsage | null;
}

/** When a frozen tenant was frozen: its Frozen condition's last change. */
function frozenSince(t: Tenant): string {
  const at = t.conditions?.find((c) => c.type === 'Frozen' && c.status === 'True')?.lastTransitionTime;
  return at ? new Date(at).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : 'now';
}

const STATE_CLASS: Record<string, string> = {
  done: 'ok',
  ready: 'ok',
  failed: 'bad',
  running: 'busy',
  provisioning: 'busy',
  pending: '',
  removing: 'busy',
  deprovisioning: 'busy',
};

function SignIn() {
  const { revalidate } = useRevalidator();
  const { busy, error, act } = useAction(async (form: FormData) => {
    await api('/admin/api/operator/session', { json: { token: form.get('token') } });
    await revalidate();
  });
  return (
    <section>
      <h1>Operator sign-in</h1>
      <p className="muted">
        Use the admin token printed by <code>tenantry up</code> (in <code>$TENANTRY_HOME/admin-token</code>).
      </p>
      <ActionForm act={act}>
        <label>
          Admin token <input name="token" type="password" required autoComplete="off" />
        </label>
        <button disabled={busy}>Sign in</button>
        <ErrorLine error={error} />
      </ActionForm>
      <p>
        Master admins sign in with their email instead: <a href="/login?next=/">sign in</a>.
      </p>
    </section>
  );
}

export function Dashboard({ initial }: { initial: DashboardData }) {
  const [tenants, setTenants] = useState(initial.tenants);
  const [live, setLive] = useState(false);
  useEffect(() => setTenants(initial.tenants), [initial.tenants]);
  useEffect(() => {
    if (!initial.tenants) return undefined;
    const events = new EventSource('/admin/api/tenants/events');
    events.onopen = () => setLive(true);
    events.onerror = () => setLive(false);
    events.onmessage = (e: MessageEvent<string>) => setTenants((JSON.parse(e.data) as { tenants: Tenant[] }).tenants);
    return () => events.close();
  }, [initial.tenants !== null]);
  const create = useAction(async (form: HTMLFormElement) => {
    const d = new FormData(form);
    await api('/admin/api/tenants', { json: { slug: d.get('slug'), tier: d.get('tier'), ...(d.get('name') ? { name: d.get('name') } : {}) } });
    form.reset();
  });
  const remove = useAction(async (slug: string) => {
    if (window.confirm(`Delete tenant ${slug} with its database, files and mail?`)) await api(`/admin/api/tenants/${slug}`, { method: 'DELETE' });
  });
  const signOut = useAction(async () => {
    await api('/admin/api/operator/session', { method: 'DELETE' });
    window.location.reload();
  });
  if (!tenants) return <SignIn />;
  return (
    <>
      <section>
        <h1>
          Tenants{' '}
          <span className={`badge ${live ? 'ok' : 'busy'}`} data-testid="live">
            {live ? 'live' : 'connecting…'}
          </span>
        </h1>
        <table>
          <thead>
            <tr>
              <th>Tenant</th>
              <th>Tier</th>
              <th>Status</th>
              <th>Schema</th>
              <th>Health</th>
              <th>Provisioning</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tenants.map((t) => (
              <tr key={t.slug} data-tenant={t.slug}>
                <td>
                  <a href={t.url}>{t.slug}</a>
                  <div className="muted">{t.name}</div>
                </td>
                <td>{t.tier}</td>
                <td>
                  <span className={`badge ${STATE_CLASS[t.status] ?? ''}`} data-testid="status">
                    {t.status}
                  </span>
                  {t.status === 'frozen' ? <div className="muted">since {frozenSince(t)}</div> : null}
                  {t.error ? <div className="error">{t.error}</div> : null}
                </td>
                <td>
                  {t.schemaVersion ?? '—'}
                  {t.schemaError ? <div className="error">{t.schemaError}</div> : null}
                </td>
                <td>
                  {t.health ? (
                    <span className={`badge ${t.health.ok ? 'ok' : 'bad'}`} title={t.health.detail} data-testid="health">
                      {t.health.ok ? 'healthy' : 'unhealthy'}
                    </span>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  {t.steps.map((s) => (
                    <span
                      key={s.name}
                      className={`badge ${STATE_CLASS[s.state] ?? ''}`}
                      title={s.error ?? s.detail ?? ''}
                      data-step={s.name}
                      style={{ marginRight: 4 }}
                    >
                      {s.name}
                      {s.durationMs !== null && s.state === 'done' ? ` ${s.durationMs} ms` : ''}
                    </span>
                  ))}
                </td>
                <td>
                  <button className="secondary" onClick={() => void remove.act(t.slug)} disabled={t.status === 'deprovisioning'}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {tenants.length === 0 ? <p className="muted">No tenants yet: create the first one below.</p> : null}
        <ErrorLine error={remove.error} />
      </section>
      <section>
        <h2>New tenant</h2>
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void create.act(e.currentTarget);
          }}
        >
          <input name="slug" placeholder="slug, e.g. acme" required pattern="[a-z0-9][a-z0-9-]{1,61}[a-z0-9]" aria-label="Slug" />
          <input name="name" placeholder="Name (optional)" maxLength={100} aria-label="Name" />
          <select name="tier" aria-label="Tier" defaultValue="trial">
            <option value="trial">trial (shared database)</option>
            <option value="production">production (dedicated database)</option>
          </select>
          <button disabled={create.busy}>Create tenant</button>
        </form>
        <ErrorLine error={create.error} />
      </section>
      <UsagePanel usage={initial.usage} />
      <p>
        <button className="secondary" onClick={() => void signOut.act()}>
          Sign out
        </button>
      </p>
    </>
  );
}
