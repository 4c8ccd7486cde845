// Your account: the address and its verification, the password, two-factor sign-in, your data
// and leaving. Read on the server as the visitor (allauth's account endpoints and ours); each
// section's form is a small client component that says the API's refusals in words.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { DeleteAccount } from "@/components/account/DeleteAccount";
import { EmailSettings } from "@/components/account/EmailSettings";
import { ExportData, type ExportState } from "@/components/account/ExportData";
import { PasswordChange } from "@/components/account/PasswordChange";
import { TwoFactor } from "@/components/account/TwoFactor";
import type { Authenticator, EmailAddress } from "@/lib/allauth";
import { read, readAuth, subject, viewer } from "@/lib/server";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const user = await viewer();
  if (!user) redirect("/signin?next=/account");
  const [emails, authenticators, exported] = await Promise.all([
    readAuth<{ data: EmailAddress[] }>("account/email"),
    readAuth<{ data: Authenticator[] }>("account/authenticators"),
    read<ExportState>("/api/auth/export/"),
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
      <EmailSettings addresses={addresses} />
      <PasswordChange username={user.username} />
      <TwoFactor authenticators={methods} />
      {/* No export yet answers 404, as does an API without exports: nothing to show either way. */}
      <ExportData initial={exported.ok ? exported.data : null} />
      <DeleteAccount twoFactor={twoFactor} />
    </>
  );
}
