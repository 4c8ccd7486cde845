// Setting up two-factor sign-in: the API makes a secret (allauth's TOTP, kept in the session
// until confirmed); the page shows it as a QR code (rendered here, on the server, as SVG by
// the `qrcode` package) and as text, and the person confirms with a code from their app. Then
// the recovery codes are shown, once.
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import QRCode from "qrcode";
import { TotpSetup } from "@/components/account/TotpSetup";
import { errorMessages } from "@/lib/errors";
import { readAuth, subject, viewer } from "@/lib/server";

export const metadata: Metadata = { title: "Set up two-factor sign-in" };

type NotYet = { meta: { secret: string; totp_url: string } };

export default async function TwoFactorPage() {
  const user = await viewer();
  if (!user) redirect("/signin?next=/account/two-factor");
  const answer = await readAuth<unknown>("account/authenticators/totp");
  if (answer.ok) redirect("/account"); // already on
  if (answer.status === 409)
    // The API will not add one now (an address not verified yet, say): its words.
    return (
      <section className="card narrow" aria-labelledby="setup-heading">
        <h1 id="setup-heading">Set up two-factor sign-in</h1>
        <div role="alert">
          {errorMessages(409, answer.body).map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
        <p>
          <Link href="/account">Back to your account</Link>
        </p>
      </section>
    );
  if (answer.status !== 404) subject(answer);
  const { secret, totp_url } = (answer.body as NotYet).meta;
  const svg = await QRCode.toString(totp_url, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
  return (
    <section className="card narrow" aria-labelledby="setup-heading">
      <TotpSetup qr={svg} secret={secret} />
    </section>
  );
}
