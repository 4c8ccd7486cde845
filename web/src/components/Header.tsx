"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { badgeText, bellLabel } from "@/lib/notifications";
import { useSession } from "@/lib/session";
import { useUnread } from "@/lib/unread";

/** A link to the inbox, with the unread count as a badge (lib/unread.tsx keeps it live). */
function Bell() {
  const { unread } = useUnread();
  const badge = badgeText(unread);
  return (
    <Link href="/notifications" className="bell" aria-label={bellLabel(unread)}>
      <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22" focusable="false">
        <path
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
          fill="currentColor"
        />
      </svg>
      {badge && (
        <span className="bell-count" aria-hidden="true">
          {badge}
        </span>
      )}
    </Link>
  );
}

export function Header() {
  const { user, ready, signOut } = useSession();
  const router = useRouter();
  const [q, setQ] = useState("");
  return (
    <header className="site-header">
      <div className="bar">
        <Link href="/" className="brand">
          Divan
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href="/">Home</Link>
            </li>
            <li>
              <Link href="/groups">Groups</Link>
            </li>
          </ul>
        </nav>
        <form
          role="search"
          className="search"
          onSubmit={(event) => {
            event.preventDefault();
            if (q.trim()) router.push(`/search?q=${encodeURIComponent(q.trim())}`);
          }}
        >
          <label htmlFor="site-search" className="visually-hidden">
            Search posts and comments
          </label>
          <input
            id="site-search"
            type="search"
            placeholder="Search"
            value={q}
            onChange={(event) => setQ(event.target.value)}
          />
        </form>
        <div className="account">
          {!ready ? null : user ? (
            <>
              <Bell />
              <span className="who" aria-label="Signed in as">
                {user.username}
              </span>
              <Link href="/account" className="button secondary">
                Account
              </Link>
              <button
                type="button"
                className="button secondary"
                onClick={async () => {
                  try {
                    await signOut();
                  } finally {
                    router.push("/");
                    router.refresh(); // the pages were read as the person who just left
                  }
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <>
              <Link href="/signin" className="button secondary">
                Sign in
              </Link>
              <Link href="/register" className="button">
                Join Divan
              </Link>
            </>
          )}
        </div>
      </div>
    </header>
  );
}
