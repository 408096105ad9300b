import { Link, useNavigate, useRevalidator, type LoaderFunctionArgs } from 'react-router';
import { data as response } from 'react-router';
import { api } from '../lib/api.js';
import { backendGet, requireUser } from '../lib/backend.server.js';
import { useAction } from '../lib/use-action.js';

interface Project {
  id: string;
  name: string;
  description: string;
  status: string;
}
interface Task {
  id: string;
  title: string;
  status: 'todo' | 'doing' | 'done';
  dueDate: string | null;
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireUser(context, request);
  const [project, tasks] = await Promise.all([
    backendGet<Project>(context, request, 'user', `/api/projects/${encodeURIComponent(params.id!)}`),
    backendGet<{ items: Task[] }>(context, request, 'user', `/api/projects/${encodeURIComponent(params.id!)}/tasks?limit=100`),
  ]);
  if (!project) throw response('no such project', { status: 404 });
  return { project, tasks: tasks?.items ?? [] };
}

export default function ProjectPage({ loaderData }: { loaderData: Awaited<ReturnType<typeof loader>> }) {
  const { project, tasks } = loaderData;
  const { revalidate } = useRevalidator();
  const navigate = useNavigate();
  const add = useAction(async (form: HTMLFormElement) => {
    const data = new FormData(form);
    await api(`/api/projects/${project.id}/tasks`, { json: { title: data.get('title'), dueDate: data.get('dueDate') || undefined } });
    form.reset();
    await revalidate();
  });
  const change = useAction(async (task: Task, status: string) => {
    await api(`/api/tasks/${task.id}`, { method: 'PATCH', json: { status } });
    await revalidate();
  });
  const remove = useAction(async () => {
    await api(`/api/projects/${project.id}`, { method: 'DELETE' });
    navigate('/projects');
  });
  return (
    <>
      <section>
        <p>
          <Link to="/projects">← Projects</Link>
        </p>
        <h1>{project.name}</h1>
        <p className="muted">{project.description}</p>
        <button className="secondary" onClick={() => void remove.act()}>
          Delete project
        </button>
      </section>
      <section>
        <h2>Tasks</h2>
        <table>
          <thead>
            <tr>
              <th>Task</th>
              <th>Due</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => (
              <tr key={t.id}>
                <td>{t.title}</td>
                <td>{t.dueDate ?? '—'}</td>
                <td>
                  <select aria-label={`Status of ${t.title}`} value={t.status} onChange={(e) => void change.act(t, e.target.value)}>
                    <option value="todo">To do</option>
                    <option value="doing">Doing</option>
                    <option value="done">Done</option>
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {tasks.length === 0 ? <p className="muted">No tasks yet.</p> : null}
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void add.act(e.currentTarget);
          }}
        >
          <input name="title" placeholder="Task title" required maxLength={300} aria-label="Task title" />
          <input name="dueDate" type="date" aria-label="Due date" />
          <button disabled={add.busy}>Add task</button>
        </form>
        {[add.error, change.error, remove.error].filter(Boolean).map((e) => (
          <p key={e} className="error" role="alert">
            {e}
          </p>
        ))}
      </section>
    </>
  );
}
