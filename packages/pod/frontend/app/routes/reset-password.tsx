import { Link, useSearchParams } from 'react-router';
import { useState } from 'react';
import { api } from '../lib/api.js';
import { useAction } from '../lib/use-action.js';
import { ActionForm, ErrorLine } from '../lib/action-form.js';

export default function ResetPassword() {
  const [params] = useSearchParams();
  const [done, setDone] = useState(false);
  const { busy, error, act } = useAction(async (form: FormData) => {
    await api('/api/auth/password-reset/confirm', { json: { token: params.get('token') ?? '', password: form.get('password') } });
    setDone(true);
  });
  if (done)
    return (
      <section>
        <h1>Password changed</h1>
        <p>
          Every session was signed out. <Link to="/login">Sign in</Link> with the new password.
        </p>
      </section>
    );
  return (
    <section>
      <h1>Choose a new password</h1>
      <ActionForm act={act}>
        <label>
          New password <input name="password" type="password" required minLength={10} autoComplete="new-password" />
        </label>
        <button disabled={busy}>Set the password</button>
        <ErrorLine error={error} />
      </ActionForm>
    </section>
  );
}
