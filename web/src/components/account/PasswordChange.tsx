"use client";
// Change the password: the current one and the new one; the API says what it refuses.
import { useState } from "react";
import { auth } from "@/lib/allauth";
import { useSubmit } from "@/lib/hooks";
import { Field } from "../Field";
import { FormErrors } from "../States";

export function PasswordChange({ username }: { username: string }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useSubmit();

  const change = submit(async () => {
    setDone(false);
    await auth("account/password/change", {
      method: "POST",
      body: { current_password: current, new_password: next },
    });
    setCurrent("");
    setNext("");
    setDone(true);
  });

  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <form onSubmit={change}>
        <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
        <Field
          id="current-password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={setCurrent}
        />
        <Field
          id="changed-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          value={next}
          onChange={setNext}
        />
        <FormErrors error={error} />
        {done && <p role="status">Your password is changed.</p>}
        <button type="submit" className="button" disabled={busy}>
          Change password
        </button>
      </form>
    </section>
  );
}
