// Where a person lands once their account is deleted (components/account/DeleteAccount.tsx):
// signed out, told what became of it. The page holds nothing of theirs, so it is the same for
// whoever opens it.
import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Account deleted" };

export default function AccountDeletedPage() {
  return (
    <section className="card narrow" aria-labelledby="deleted-heading">
      <h1 id="deleted-heading">Your account is deleted</h1>
      <p role="status">You are signed out, and your account is gone for good. Goodbye!</p>
      <p>
        Your posts, comments, reactions and uploads are removed, and you left every group; your name no longer
        signs in, and your profile is no longer shown.
      </p>
      <p>
        <Link href="/">Divan&apos;s home page</Link>
      </p>
    </section>
  );
}
