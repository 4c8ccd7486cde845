"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useSession } from "@/lib/session";

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
