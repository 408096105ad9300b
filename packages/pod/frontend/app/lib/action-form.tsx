/** @module The pieces every form page repeats: a form that hands its fields to an action, and the action's error line. */
import type { ReactNode } from 'react';

/** A form whose submit runs `act` with its fields in the browser instead of navigating. */
export function ActionForm({ act, children }: { act: (form: FormData) => Promise<void>; children: ReactNode }) {
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void act(new FormData(e.currentTarget));
      }}
    >
      {children}
    </form>
  );
}

/** The error of an action, announced to screen readers; nothing when there is none. */
export function ErrorLine({ error }: { error: string | null | undefined }) {
  return error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null;
}
