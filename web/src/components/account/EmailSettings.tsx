"use client";
// The account's address: verified or not (the link sent again on request), and a change of
// address, which takes the password (allauth's reauthentication) and waits for the new address
// to be verified before it replaces the old one.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { type EmailAddress, auth } from "@/lib/allauth";
import { useSubmit } from "@/lib/hooks";
import { Field } from "../Field";
import { FormErrors } from "../States";

export function EmailSettings({ addresses }: { addresses: EmailAddress[] }) {
  const router = useRouter();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [said, setSaid] = useState<string | null>(null);
  const { busy, error, submit } = useSubmit();

  /** Runs an action that answers in a sentence, said once it is done. */
  const act = (action: () => Promise<string>) =>
    submit(async () => {
      setSaid(null);
      setSaid(await action());
      router.refresh();
    });

  const change = act(async () => {
    const next = email.trim();
    // The password first, every time: a change of address is a way to take an account.
    await auth("auth/reauthenticate", { method: "POST", body: { password } });
    await auth("account/email", { method: "POST", body: { email: next } });
    setEmail("");
    setPassword("");
    return `We sent a link to ${next}: your address changes once you follow it.`;
  });

  function resend(address: string) {
    act(async () => {
      await auth("account/email", { method: "PUT", body: { email: address } });
      return `We sent a new link to ${address}.`;
    })();
  }

  return (
    <section className="card" aria-labelledby="email-heading">
      <h2 id="email-heading">Email address</h2>
      <ul className="manage-list">
        {addresses.map((address) => (
          <li key={address.email} className="manage-item">
            <p>
              <strong>{address.email}</strong>{" "}
              {address.verified ? (
                <span className="badge ok">Verified</span>
              ) : (
                <span className="badge warn">Not verified</span>
              )}{" "}
              {address.primary ? <span className="badge">In use</span> : <span className="badge">Waiting for its link</span>}
            </p>
            {!address.verified && (
              <button type="button" className="link" disabled={busy} onClick={() => resend(address.email)}>
                Send the link for {address.email} again
              </button>
            )}
          </li>
        ))}
      </ul>
      <form onSubmit={change}>
        <h3>Change your address</h3>
        <Field
          id="new-email"
          label="New address"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={setEmail}
        />
        <Field
          id="email-password"
          label="Your password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
        />
        <FormErrors error={error} />
        {said && <p role="status">{said}</p>}
        <button type="submit" className="button" disabled={busy}>
          Change address
        </button>
      </form>
    </section>
  );
}
