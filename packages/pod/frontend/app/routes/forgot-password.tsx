import { useState } from 'react';
import { api } from '../lib/api.js';
import { useAction } from '../lib/use-action.js';
import { ActionForm, ErrorLine } from '../lib/action-form.js';

export default function ForgotPassword() {
  const [sent, setSent] = useState(false);
  const { busy, error, act } = useAction(async (form: FormData) => {
    await api('/api/auth/password-reset', { json: { email: form.get('email') } });
    setSent(true);
  });
  return (
    <section>
      <h1>Reset your password</h1>
      {sent ? (
        <p role="status">If an account uses that address, a reset link is on its way.</p>
      ) : (
        <ActionForm act={act}>
          <label>
            Email <input name="email" type="email" required autoComplete="email" />
          </label>
          <button disabled={busy}>Send the link</button>
          <ErrorLine error={error} />
        </ActionForm>
      )}
    </section>
  );
}
