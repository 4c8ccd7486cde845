import Link from "next/link";

// What the API refuses this person (a moderators' page for a member, or for nobody signed in).
export default function Forbidden() {
  return (
    <section className="not-found">
      <h1>Not for you</h1>
      <p>You may not see this page. If you moderate this group, sign in first.</p>
      <p>
        <Link href="/signin">Sign in</Link> · <Link href="/groups">Find a group</Link>
      </p>
    </section>
  );
}
