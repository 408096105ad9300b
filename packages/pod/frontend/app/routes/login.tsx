import { Link, useSearchParams } from 'react-router';
import { sameOriginTarget } from '@tenantry/core/redirect';
import { api } from '../lib/api.js';
import { useAction } from '../lib/use-action.js';
import { ActionForm, ErrorLine } from '../lib/action-form.js';

export default function Login() {
  const [params] = useSearchParams();
  const asked = params.get('next');
  const { busy, error, act } = useAction(async (form: FormData) => {
    await api('/api/auth/login', { json: { email: form.get('email'), password: form.get('password') } });
    // A full load: the header and every loader render again as the signed-in user.
    window.location.assign(sameOriginTarget(asked, window.location.origin, '/projects'));
  });
  return (
    <section>
      <h1>Sign in</h1>
      <ActionForm act={act}>
        <label>
          Email <input name="email" type="email" required autoComplete="email" />
        </label>
        <label>
          Password <input name="password" type="password" required autoComplete="current-password" />
        </label>
        <button disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        <ErrorLine error={error} />
      </ActionForm>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link> · <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}
