// The link of a password reset mail: the page checks the key, then takes the new password.
import type { Metadata } from "next";
import { KeyRefused } from "@/components/account/KeyRefused";
import { ResetPassword } from "@/components/account/ResetPassword";
import { linkKey } from "@/lib/paths";
import { readAuth, subject } from "@/lib/server";

export const metadata: Metadata = { title: "Set a new password" };

type Info = { data: { user: { username: string } } };

export default async function ResetPasswordPage({ params }: { params: Promise<{ key: string }> }) {
  const key = linkKey((await params).key);
  const answer = await readAuth<Info>("auth/password/reset", "X-Password-Reset-Key", key);
  if (!answer.ok && answer.status === 400)
    return (
      <KeyRefused
        status={400}
        body={answer.body}
        next={{ href: "/account/password/reset", label: "Ask for a new link" }}
      />
    );
  const { data } = subject(answer);
  return <ResetPassword resetKey={key} username={data.user.username} />;
}
