import { Link, useRevalidator, type LoaderFunctionArgs } from 'react-router';
import { api } from '../lib/api.js';
import { backendGet, requireUser } from '../lib/backend.server.js';
import { useAction } from '../lib/use-action.js';

interface Project {
  id: string;
  name: string;
  description: string;
  status: string;
  createdAt: string;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(context, request);
  const url = new URL(request.url);
  const query = new URLSearchParams();
  for (const key of ['status', 'q', 'cursor']) if (url.searchParams.get(key)) query.set(key, url.searchParams.get(key)!);
  const page = await backendGet<Page<Project>>(context, request, 'user', `/api/projects?${query}`);
  return { page: page ?? { items: [], nextCursor: null }, filters: Object.fromEntries(query) };
}

export default function Projects({ loaderData }: { loaderData: Awaited<ReturnType<typeof loader>> }) {
  const { revalidate } = useRevalidator();
  const { busy, error, act } = useAction(async (form: HTMLFormElement) => {
    const data = new FormData(form);
    await api('/api/projects', { json: { name: data.get('name'), description: data.get('description') || undefined } });
    form.reset();
    await revalidate();
  });
  const { page, filters } = loaderData;
  return (
    <>
      <section>
        <h1>Projects</h1>
        <form className="inline" method="get">
          <input name="q" placeholder="Search by name" defaultValue={filters.q ?? ''} />
          <select name="status" defaultValue={filters.status ?? ''}>
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="archived">Archived</option>
          </select>
          <button className="secondary">Filter</button>
        </form>
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/projects/${p.id}`}>{p.name}</Link>
                  <div className="muted">{p.description}</div>
                </td>
                <td>
                  <span className="badge">{p.status}</span>
                </td>
                <td>{new Date(p.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {page.items.length === 0 ? <p className="muted">No projects yet.</p> : null}
        {page.nextCursor ? <Link to={`?${new URLSearchParams({ ...filters, cursor: page.nextCursor })}`}>Next page</Link> : null}
      </section>
      <section>
        <h2>New project</h2>
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void act(e.currentTarget);
          }}
        >
          <input name="name" placeholder="Project name" required maxLength={200} aria-label="Project name" />
          <input name="description" placeholder="Description (optional)" maxLength={5000} aria-label="Description" />
          <button disabled={busy}>Create project</button>
        </form>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
      </section>
    </>
  );
}
