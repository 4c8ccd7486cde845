"use client";
// Some account actions need the password again (allauth decides which, and for how long a
// confirmation holds): such an action answers 401 to a signed-in person. useReauthenticated()
// runs an action; on that answer it shows the password form, confirms the password with the
// API (auth/reauthenticate), and runs the action again, or, for an action whose input may have
// gone stale meanwhile (a two-factor code lives 30 s), throws Confirmed for the page to ask again.
import { useCallback, useId, useRef, useState } from "react";
import { ReauthenticationRequired, auth } from "@/lib/allauth";
import { STAY_BUSY, useSubmit } from "@/lib/hooks";
import { Field } from "../Field";
import { FormErrors } from "../States";

/** The person closed the password form: the action is dropped, and nothing is said. */
export class Cancelled extends Error {}

/** The password was confirmed, and the action (run with `again: false`) was not sent again. */
export class Confirmed extends Error {}

export function useReauthenticated() {
  const [asking, setAsking] = useState(false);
  const waiting = useRef<{ resolve: () => void; reject: (error: Error) => void } | null>(null);

  const run = useCallback(async <T,>(action: () => Promise<T>, { again = true } = {}): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof ReauthenticationRequired)) throw error;
      await new Promise<void>((resolve, reject) => {
        waiting.current = { resolve, reject };
        setAsking(true);
      });
      if (!again) throw new Confirmed();
      return action();
    }
  }, []);

  const finish = useCallback((error?: Error) => {
    setAsking(false);
    const pending = waiting.current;
    waiting.current = null;
    if (error) pending?.reject(error);
    else pending?.resolve();
  }, []);

  const prompt = asking ? <PasswordPrompt onConfirmed={() => finish()} onCancel={() => finish(new Cancelled())} /> : null;
  return { run, prompt };
}

function PasswordPrompt({ onConfirmed, onCancel }: { onConfirmed: () => void; onCancel: () => void }) {
  const id = useId();
  const [password, setPassword] = useState("");
  const { busy, error, submit } = useSubmit();

  const confirm = submit(async () => {
    await auth("auth/reauthenticate", { method: "POST", body: { password } });
    onConfirmed();
    return STAY_BUSY;
  });

  return (
    <form className="card" onSubmit={confirm} aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Confirm it is you</h3>
      <Field
        id={`${id}-password`}
        label="Your password, to go on"
        type="password"
        autoComplete="current-password"
        required
        autoFocus
        value={password}
        onChange={setPassword}
      />
      <FormErrors error={error} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Confirm
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
