import type { Metadata } from "next";
import Link from "next/link";
import { SignInForm } from "@/components/SignInForm";
import type { AuthAnswer } from "@/lib/allauth";
import { safeNext } from "@/lib/paths";
import { readAuth, viewer } from "@/lib/server";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  const [user, session] = await Promise.all([viewer(), readAuth<AuthAnswer>("auth/session")]);
  if (user)
    return (
      <section className="card narrow" aria-labelledby="auth-heading">
        <h1 id="auth-heading">Sign in</h1>
        <p>You are signed in as {user.username}.</p>
        <Link href={safeNext(next)} className="button">
          Go on
        </Link>
      </section>
    );
  // A sign-in whose second step is still waiting (the page was reloaded): ask for the code.
  const answer = (session.ok ? session.data : session.body) as AuthAnswer | null;
  const waiting = answer?.data?.flows?.some((flow) => flow.id === "mfa_authenticate" && flow.is_pending);
  return <SignInForm next={next} initialStep={waiting ? "code" : "credentials"} />;
}
