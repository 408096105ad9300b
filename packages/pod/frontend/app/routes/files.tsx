import { useRevalidator, type LoaderFunctionArgs } from 'react-router';
import { api } from '../lib/api.js';
import { backendGet, requireUser } from '../lib/backend.server.js';
import { useAction } from '../lib/use-action.js';

interface FileInfo {
  id: string;
  name: string;
  contentType: string;
  size: number;
  createdAt: string;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(context, request);
  const page = await backendGet<{ items: FileInfo[] }>(context, request, 'user', '/api/files?limit=100');
  return { files: page?.items ?? [] };
}

const size = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

export default function Files({ loaderData }: { loaderData: Awaited<ReturnType<typeof loader>> }) {
  const { revalidate } = useRevalidator();
  const upload = useAction(async (form: HTMLFormElement) => {
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (!file) throw new Error('choose a file first');
    await api(`/api/files?name=${encodeURIComponent(file.name)}`, { body: file, contentType: file.type || 'application/octet-stream' });
    form.reset();
    await revalidate();
  });
  const remove = useAction(async (id: string) => {
    await api(`/api/files/${id}`, { method: 'DELETE' });
    await revalidate();
  });
  return (
    <section>
      <h1>Files</h1>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void upload.act(e.currentTarget);
        }}
      >
        <input name="file" type="file" aria-label="File" />
        <button disabled={upload.busy}>{upload.busy ? 'Uploading…' : 'Upload'}</button>
      </form>
      {upload.error || remove.error ? (
        <p className="error" role="alert">
          {upload.error ?? remove.error}
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Size</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {loaderData.files.map((f) => (
            <tr key={f.id}>
              <td>
                <a href={`/api/files/${f.id}`} download={f.name}>
                  {f.name}
                </a>
              </td>
              <td>{f.contentType}</td>
              <td>{size(f.size)}</td>
              <td>
                <button className="secondary" onClick={() => void remove.act(f.id)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {loaderData.files.length === 0 ? <p className="muted">No files yet.</p> : null}
    </section>
  );
}
