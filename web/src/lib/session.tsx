"use client";
// Who is signed in. The session is Django's HttpOnly cookie on the hub's origin; the hub only
// knows the user it belongs to and the CSRF token to send back with writes.
import { createContext, useCallback, useContext, useEffect, useState } from "react";
import type { Session, User } from "@/api/types";
import { api, csrfSet } from "./api";
import { formsForget } from "./idempotency";

interface SessionState {
  user: User | null;
  ready: boolean;
  signIn: (username: string, password: string) => Promise<void>;
  register: (username: string, email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
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

  // Drafts and their keys belong to whoever wrote them: a change of person forgets them.
  const begin = useCallback(
    (session: Session) => {
      formsForget(sessionStorage);
      take(session);
    },
    [take],
  );
  const signIn = useCallback(
    async (username: string, password: string) =>
      begin(await api<Session>("/api/auth/session/", { method: "POST", body: { username, password } })),
    [begin],
  );
  const register = useCallback(
    async (username: string, email: string, password: string) =>
      begin(
        await api<Session>("/api/auth/session/register/", {
          method: "POST",
          body: { username, email, password },
        }),
      ),
    [begin],
  );
  const signOut = useCallback(async () => {
    await api<null>("/api/auth/session/", { method: "DELETE" });
    begin(await api<Session>("/api/auth/session/"));
  }, [begin]);

  return (
    <SessionContext.Provider value={{ user, ready, signIn, register, signOut }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside SessionProvider");
  return state;
}
