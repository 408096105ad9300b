import { useState } from 'react';
import { data as response, useRevalidator, type LoaderFunctionArgs } from 'react-router';
import { api } from '../lib/api.js';
import { backendGet, requireUser } from '../lib/backend.server.js';
import { useAction } from '../lib/use-action.js';

interface Settings {
  displayName: string | null;
  primaryColor: string;
  logoUrl: string | null;
  features: { projects: boolean; files: boolean; signup: boolean };
  requireEmailVerification: boolean;
}
interface AdminUser {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
  disabled: boolean;
  lastLoginAt: string | null;
}
interface Job {
  id: string;
  name: string;
  state: string;
  attempts: number;
  maxAttempts: number;
  failedReason: string | null;
  createdAt: string;
  to?: string;
}
interface Jobs {
  queues: { name: string; counts: Record<string, number>; jobs: Job[] }[];
}
interface Mail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  date: string;
}
interface Migrations {
  version: number;
  latest: number;
  applied: { version: number; name: string; appliedAt: string }[];
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const me = await requireUser(context, request);
  if (me.role !== 'admin') throw response('the admin pages are for admins of this organisation', { status: 403 });
  const get = <T,>(path: string) => backendGet<T>(context, request, 'admin', path);
  const [settings, users, jobs, mail, usage, migrations] = await Promise.all([
    get<Settings>('/admin/api/settings'),
    get<{ users: AdminUser[] }>('/admin/api/users'),
    get<Jobs>('/admin/api/jobs?limit=20'),
    get<{ messages: Mail[] }>('/admin/api/mail'),
    get<Record<string, unknown>>('/admin/api/usage'),
    get<Migrations>('/admin/api/migrations'),
  ]);
  return {
    me,
    settings: settings!,
    users: users?.users ?? [],
    jobs: jobs?.queues ?? [],
    mail: mail?.messages ?? [],
    usage: usage ?? {},
    migrations: migrations!,
  };
}

export default function Admin({ loaderData }: { loaderData: Awaited<ReturnType<typeof loader>> }) {
  const { settings, users, jobs, mail, usage, migrations, me } = loaderData;
  const { revalidate } = useRevalidator();
  const [message, setMessage] = useState<{ subject: string; text: string } | null>(null);
  const save = useAction(async (form: HTMLFormElement) => {
    const d = new FormData(form);
    await api('/admin/api/settings', {
      method: 'PATCH',
      json: {
        displayName: String(d.get('displayName') || '') || null,
        primaryColor: d.get('primaryColor'),
        logoUrl: String(d.get('logoUrl') || '') || null,
        features: { projects: d.has('projects'), files: d.has('files'), signup: d.has('signup') },
        requireEmailVerification: d.has('requireEmailVerification'),
      },
    });
    await revalidate();
  });
  const changeUser = useAction(async (id: string, changes: Record<string, unknown>) => {
    await api(`/admin/api/users/${id}`, { method: 'PATCH', json: changes });
    await revalidate();
  });
  const retry = useAction(async (queue: string, id: string) => {
    await api(`/admin/api/jobs/${queue}/${id}/retry`, { method: 'POST' });
    await revalidate();
  });
  const migrate = useAction(async () => {
    await api('/admin/api/migrations/run', { method: 'POST' });
    await revalidate();
  });
  const openMail = useAction(async (id: string) => {
    setMessage(await api<{ subject: string; text: string }>(`/admin/api/mail/${id}`));
  });
  const errors = [save.error, changeUser.error, retry.error, migrate.error, openMail.error].filter(Boolean);
  return (
    <>
      <section>
        <h1>Administration</h1>
        {errors.map((e) => (
          <p key={e} className="error" role="alert">
            {e}
          </p>
        ))}
        <h2>Usage</h2>
        <p>
          {['users', 'activeUsers7d', 'projects', 'tasks', 'files', 'storageBytes', 'activeSessions'].map((k) => (
            <span key={k} className="badge" style={{ marginRight: 8 }}>
              {k}: {String(usage[k] ?? 0)}
            </span>
          ))}
        </p>
      </section>
      <section>
        <h2>Settings and branding</h2>
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void save.act(e.currentTarget);
          }}
        >
          <label>
            Organisation name <input name="displayName" defaultValue={settings.displayName ?? ''} maxLength={100} />
          </label>
          <label>
            Brand colour <input name="primaryColor" type="color" defaultValue={settings.primaryColor} />
          </label>
          <label>
            Logo URL <input name="logoUrl" type="url" defaultValue={settings.logoUrl ?? ''} />
          </label>
          <label>
            <input name="projects" type="checkbox" defaultChecked={settings.features.projects} /> Projects
          </label>
          <label>
            <input name="files" type="checkbox" defaultChecked={settings.features.files} /> Files
          </label>
          <label>
            <input name="signup" type="checkbox" defaultChecked={settings.features.signup} /> Anyone may sign up
          </label>
          <label>
            <input name="requireEmailVerification" type="checkbox" defaultChecked={settings.requireEmailVerification} /> New accounts confirm their address
            first
          </label>
          <button disabled={save.busy}>Save settings</button>
        </form>
      </section>
      <section>
        <h2>Users and roles</h2>
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>Last sign-in</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>
                  <select
                    aria-label={`Role of ${u.email}`}
                    value={u.role}
                    disabled={u.id === me.id}
                    onChange={(e) => void changeUser.act(u.id, { role: e.target.value })}
                  >
                    <option value="member">member</option>
                    <option value="admin">admin</option>
                  </select>
                </td>
                <td>{u.lastLoginAt ? new Date(u.lastLoginAt).toLocaleString() : '—'}</td>
                <td>
                  {u.id === me.id ? null : (
                    <button className="secondary" onClick={() => void changeUser.act(u.id, { disabled: !u.disabled })}>
                      {u.disabled ? 'Enable' : 'Disable'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2>Jobs</h2>
        {jobs.map((q) => (
          <div key={q.name}>
            <h3>
              {q.name}{' '}
              <span className="muted">
                {Object.entries(q.counts)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(' · ')}
              </span>
            </h3>
            <table>
              <tbody>
                {q.jobs.map((j) => (
                  <tr key={j.id}>
                    <td>
                      {j.name}
                      {j.to ? ` → ${j.to}` : ''}
                    </td>
                    <td>
                      <span className={`badge ${j.state === 'failed' ? 'bad' : j.state === 'completed' ? 'ok' : 'busy'}`}>{j.state}</span>
                    </td>
                    <td>
                      attempt {j.attempts}/{j.maxAttempts}
                    </td>
                    <td className="error">{j.failedReason}</td>
                    <td>
                      {j.state === 'failed' ? (
                        <button className="secondary" onClick={() => void retry.act(q.name, j.id)}>
                          Retry
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </section>
      <section>
        <h2>Sent mail</h2>
        <table>
          <tbody>
            {mail.map((m) => (
              <tr key={m.id}>
                <td>
                  <button className="secondary" onClick={() => void openMail.act(m.id)}>
                    {m.subject}
                  </button>
                </td>
                <td>{m.to.join(', ')}</td>
                <td>{new Date(m.date).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {mail.length === 0 ? <p className="muted">No mail sent yet.</p> : null}
        {message ? (
          <article aria-label="Mail message">
            <h3>{message.subject}</h3>
            <pre>{message.text}</pre>
          </article>
        ) : null}
      </section>
      <section>
        <h2>Database schema</h2>
        <p>
          Version {migrations.version} of {migrations.latest}: {migrations.applied.map((m) => `${m.version} ${m.name}`).join(', ')}
        </p>
        <button className="secondary" disabled={migrate.busy} onClick={() => void migrate.act()}>
          Run migrations
        </button>
      </section>
    </>
  );
}
