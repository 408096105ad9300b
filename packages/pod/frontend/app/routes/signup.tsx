import { Link } from 'react-router';
import { useState } from 'react';
import { api } from '../lib/api.js';
import { useAction } from '../lib/use-action.js';
import { ActionForm, ErrorLine } from '../lib/action-form.js';

export default function SignUp() {
  const [pending, setPending] = useState<string | undefined>();
  const { busy, error, act } = useAction(async (form: FormData) => {
    const answer = await api<{ token?: string; status?: string }>('/api/auth/signup', {
      json: { name: form.get('name'), email: form.get('email'), password: form.get('password') },
    });
    // The tenant requires a confirmed address: the mailed link finishes signing up.
    if (!answer.token) return setPending(answer.status ?? 'check your mail');
    // A full load: the header and every loader render again as the signed-in user.
    window.location.assign('/projects');
  });
  if (pending)
    return (
      <section>
        <h1>Check your mail</h1>
        <p role="status">{pending}</p>
      </section>
    );
  return (
    <section>
      <h1>Create your account</h1>
      <ActionForm act={act}>
        <label>
          Name <input name="name" required maxLength={120} autoComplete="name" />
        </label>
        <label>
          Email <input name="email" type="email" required autoComplete="email" />
        </label>
        <label>
          Password <input name="password" type="password" required minLength={10} autoComplete="new-password" />
        </label>
        <button disabled={busy}>{busy ? 'Creating…' : 'Sign up'}</button>
        <ErrorLine error={error} />
      </ActionForm>
      <p>
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </section>
  );
}
