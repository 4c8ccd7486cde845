// Loading, empty, error and not-found states, the same on every page.
import Link from "next/link";
import type { ApiError } from "@/lib/api";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="state empty">{children}</p>;
}

export function ErrorBox({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div className="error" role="alert">
      {error.messages.map((message) => (
        <p key={message}>{message}</p>
      ))}
      {onRetry && (
        <button type="button" className="button secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Errors of a form, read out when they appear. */
export function FormErrors({ error }: { error: ApiError | null | undefined }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <ul>
        {error.messages.map((message) => (
          <li key={message}>{message}</li>
        ))}
      </ul>
    </div>
  );
}

export function NotFoundView() {
  return (
    <section className="not-found">
      <h1>Not found</h1>
      <p>This page does not exist, or you may not see it.</p>
      <p>
        <Link href="/groups">Find a group</Link>
      </p>
    </section>
  );
}
