// The link of a verification mail (allauth's HEADLESS_FRONTEND_URLS): the page reads what the key
// is for, and confirms only when the person presses the button (a mail scanner's GET changes
// nothing). A refused key says what happened to it: used, expired, or not a link of ours.
import type { Metadata } from "next";
import { KeyRefused } from "@/components/account/KeyRefused";
import { VerifyEmail } from "@/components/account/VerifyEmail";
import { linkKey } from "@/lib/paths";
import { readAuth, subject, viewer } from "@/lib/server";

export const metadata: Metadata = { title: "Verify your address" };

type Info = { data: { email: string } };

export default async function VerifyEmailPage({ params }: { params: Promise<{ key: string }> }) {
  const key = linkKey((await params).key);
  const [answer, user] = await Promise.all([
    readAuth<Info>("auth/email/verify", "X-Email-Verification-Key", key),
    viewer(),
  ]);
  // Your account page sends a new link, if one is needed.
  const next = user ? { href: "/account", label: "Your account" } : { href: "/signin?next=/account", label: "Sign in" };
  if (!answer.ok && answer.status === 400) return <KeyRefused status={400} body={answer.body} next={next} />;
  const { data } = subject(answer);
  return <VerifyEmail verificationKey={key} email={data.email} />;
}
