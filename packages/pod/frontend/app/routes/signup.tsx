import { Link } from 'react-router';
import { api } from '../lib/api.js';
import { useAction } from '../lib/use-action.js';

export default function SignUp() {
  const { busy, error, act } = useAction(async (form: FormData) => {
    await api('/api/auth/signup', { json: { name: form.get('name'), email: form.get('email'), password: form.get('password') } });
    // A full load: the header and every loader render again as the signed-in user.
    window.location.assign('/projects');
  });
  return (
    <section>
      <h1>Create your account</h1>
      <form className="stack" onSubmit={(e) => { e.preventDefault(); void act(new FormData(e.currentTarget)); }}>
        <label>Name <input name="name" required maxLength={120} autoComplete="name" /></label>
        <label>Email <input name="email" type="email" required autoComplete="email" /></label>
        <label>Password <input name="password" type="password" required minLength={10} autoComplete="new-password" /></label>
        <button disabled={busy}>{busy ? 'Creating…' : 'Sign up'}</button>
        {error ? <p className="error" role="alert">{error}</p> : null}
      </form>
      <p>Already have an account? <Link to="/login">Sign in</Link></p>
    </section>
  );
}
