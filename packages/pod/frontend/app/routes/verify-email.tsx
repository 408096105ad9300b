import { Link, useSearchParams } from 'react-router';
import { useState } from 'react';
import { api } from '../lib/api.js';
import { useAction } from '../lib/use-action.js';
import { ErrorLine } from '../lib/action-form.js';

/** The page of the mailed confirmation link: one click confirms the address (a GET alone changes nothing). */
export default function VerifyEmail() {
  const [params] = useSearchParams();
  const [done, setDone] = useState(false);
  const { busy, error, act } = useAction(async () => {
    await api('/api/auth/verify-email', { json: { token: params.get('token') ?? '' } });
    setDone(true);
  });
  if (done)
    return (
      <section>
        <h1>Address confirmed</h1>
        <p>
          <Link to="/login">Sign in</Link> to start.
        </p>
      </section>
    );
  return (
    <section>
      <h1>Confirm your address</h1>
      <button disabled={busy} onClick={() => void act()}>
        Confirm
      </button>
      <ErrorLine error={error} />
    </section>
  );
}
