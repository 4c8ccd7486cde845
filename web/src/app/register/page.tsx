// Join: allauth's sign-up, with the invitation of a link that led here (`?invitation=`, the
// API's INVITATION_URL). A site whose sign-up is closed (allauth's configuration says so) says
// it at once, rather than after the form; the other modes' answers come with the sign-up.
import type { Metadata } from "next";
import Link from "next/link";
import { RegisterForm } from "@/components/RegisterForm";
import type { AuthConfig } from "@/lib/allauth";
import { readAuth } from "@/lib/server";

export const metadata: Metadata = { title: "Join Divan" };

export default async function RegisterPage({
  searchParams,
}: {
  searchParams: Promise<{ invitation?: string | string[] }>;
}) {
  const { invitation } = await searchParams;
  const config = await readAuth<AuthConfig>("config");
  // Unread, the form is shown: the sign-up's own answer says what the site allows.
  if (config.ok && !config.data.data.account.is_open_for_signup)
    return (
      <section className="card narrow" aria-labelledby="auth-heading">
        <h1 id="auth-heading">Sign-up is closed</h1>
        <p role="status">Divan is not taking new accounts here now.</p>
        <p>
          Already a member? <Link href="/signin">Sign in</Link>
        </p>
      </section>
    );
  return <RegisterForm invitation={(Array.isArray(invitation) ? invitation[0] : invitation) || undefined} />;
}
