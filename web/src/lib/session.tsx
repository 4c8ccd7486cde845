"use client";
// Who is signed in. The session is Django's HttpOnly cookie on the hub's origin; the hub only
// knows the user it belongs to and the CSRF token to send back with writes. Signing up, in and
// out goes through django-allauth's headless API (lib/allauth.ts); who is signed in, and the
// CSRF token, are read from /api/auth/session/ (README, Accounts in the hub).
import { createContext, useCallback, useContext, useEffect, useState } from "react";
import type { Session, User } from "@/api/types";
import { type AuthAnswer, type Flow, auth, pendingFlow } from "./allauth";
import { api, csrfSet } from "./api";
import { formsForget } from "./idempotency";

/** Where a sign-in or sign-up stands: done (signed in), or a flow the API waits for. */
export type Outcome = { signedIn: true } | { signedIn: false; pending: Flow | null };

interface SessionState {
  user: User | null;
  ready: boolean;
  signIn: (username: string, password: string) => Promise<Outcome>;
  /** The second step of a sign-in: a code from the authenticator app, or a recovery code. */
  secondFactor: (code: string) => Promise<Outcome>;
  register: (username: string, email: string, password: string) => Promise<Outcome>;
  signOut: () => Promise<void>;
  /** Reads who is signed in again (after a reset, a deletion, a verification that signs in). */
  refresh: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

/** `initialUser`: who the server found signed in when it rendered the page. */
export function SessionProvider({
  children,
  initialUser,
}: {
  children: React.ReactNode;
  initialUser?: User | null;
}) {
  const [user, setUser] = useState<User | null>(initialUser ?? null);
  const [ready, setReady] = useState(initialUser !== undefined);

  const take = useCallback((session: Session) => {
    csrfSet(session.csrf_token);
    setUser((session.user as User | null) ?? null);
    setReady(true);
  }, []);

  useEffect(() => {
    api<Session>("/api/auth/session/").then(take, () => setReady(true));
  }, [take]);

  // Drafts and their keys belong to whoever wrote them: a change of person forgets them. A
  // sign-in or out also rotates the CSRF token: the session endpoint gives the new one.
  const begin = useCallback(async () => {
    formsForget(sessionStorage);
    take(await api<Session>("/api/auth/session/"));
  }, [take]);

  const settle = useCallback(
    async (answer: AuthAnswer): Promise<Outcome> => {
      if (answer.status === 200) {
        await begin();
        return { signedIn: true };
      }
      return { signedIn: false, pending: pendingFlow(answer) };
    },
    [begin],
  );

  const signIn = useCallback(
    async (username: string, password: string) =>
      settle(await auth("auth/login", { method: "POST", body: { username, password } })),
    [settle],
  );
  const secondFactor = useCallback(
    async (code: string) => settle(await auth("auth/2fa/authenticate", { method: "POST", body: { code } })),
    [settle],
  );
  const register = useCallback(
    async (username: string, email: string, password: string) =>
      settle(await auth("auth/signup", { method: "POST", body: { username, email, password } })),
    [settle],
  );
  const signOut = useCallback(async () => {
    await auth("auth/session", { method: "DELETE" });
    await begin();
  }, [begin]);

  return (
    <SessionContext.Provider value={{ user, ready, signIn, secondFactor, register, signOut, refresh: begin }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside SessionProvider");
  return state;
}
