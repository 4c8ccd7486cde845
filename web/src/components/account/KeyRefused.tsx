// A verification or reset link the API refuses, said by what happened to it: the heading from
// allauth's error code, the API's own words below it, and where to go next.
import Link from "next/link";
import { errorMessages } from "@/lib/errors";
import { errorCodes } from "@/lib/allauth";

const HEADINGS: Record<string, string> = {
  email_verification_used: "This link was already used",
  email_verification_expired: "This link has expired",
  email_taken: "This address belongs to another account",
  invalid_or_expired_key: "This link does not work",
  invalid_password_reset: "This link does not work",
};

export function KeyRefused({
  status,
  body,
  next,
}: {
  status: number;
  body: unknown;
  next: { href: string; label: string };
}) {
  const code = errorCodes(body).find((one) => one in HEADINGS);
  return (
    <section className="card narrow" aria-labelledby="key-heading">
      <h1 id="key-heading">{code ? HEADINGS[code] : "This link does not work"}</h1>
      <div role="alert">
        {errorMessages(status, body).map((message) => (
          <p key={message}>{message}</p>
        ))}
      </div>
      <p>
        <Link href={next.href}>{next.label}</Link>
      </p>
    </section>
  );
}
