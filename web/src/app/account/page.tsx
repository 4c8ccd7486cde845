// Your account: the address and its verification, the password, two-factor sign-in, your data
// and leaving. Read on the server as the visitor (allauth's account endpoints and ours); each
// section's form is a small client component that says the API's refusals in words.
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { DeleteAccount } from "@/components/account/DeleteAccount";
import { EmailSettings } from "@/components/account/EmailSettings";
import { ExportData } from "@/components/account/ExportData";
import { PasswordChange } from "@/components/account/PasswordChange";
import { TwoFactor } from "@/components/account/TwoFactor";
import type { DataExport } from "@/api/types";
import type { Authenticator, EmailAddress } from "@/lib/allauth";
import { read, readAuth, subject, viewer } from "@/lib/server";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const user = await viewer();
  if (!user) redirect("/signin?next=/account");
  const [emails, authenticators, exported] = await Promise.all([
    readAuth<{ data: EmailAddress[] }>("account/email"),
    readAuth<{ data: Authenticator[] }>("account/authenticators"),
    read<DataExport>("/api/auth/export/"),
  ]);
  const addresses = subject(emails).data;
  const methods = subject(authenticators).data;
  const twoFactor = methods.some((method) => method.type === "totp");
  return (
    <>
      <h1>Your account</h1>
      <p>
        Signed in as <strong>{user.username}</strong>.
      </p>
      <p>
        <Link href="/account/notifications">Notification settings</Link>: what reaches you, in the hub and by mail,
        and the people you block or mute.
      </p>
      <EmailSettings addresses={addresses} />
      <PasswordChange username={user.username} />
      <TwoFactor authenticators={methods} />
      {/* 404: never asked for one; another failure is said in the section, in the API's words. */}
      <ExportData
        initial={exported.ok ? exported.data : null}
        unread={exported.ok || exported.status === 404 ? null : { status: exported.status, body: exported.body }}
      />
      <DeleteAccount twoFactor={twoFactor} />
    </>
  );
}
