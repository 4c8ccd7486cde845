"use client";
// Who is signed in. The session is Django's HttpOnly cookie on the hub's origin; the hub only
// knows the user it belongs to and the CSRF token to send back with writes.
import { createContext, useCallback, useContext, useEffect, useState } from "react";
import type { Session, User } from "@/api/types";
import { api, csrfSet } from "./api";

interface SessionState {
  user: User | null;
  ready: boolean;
  signIn: (username: string, password: string) => Promise<void>;
  register: (username: string, email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: React.ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [ready, setReady] = useState(false);

  const take = useCallback((session: Session) => {
    csrfSet(session.csrf_token);
    setUser((session.user as User | null) ?? null);
    setReady(true);
  }, []);

  useEffect(() => {
    api<Session>("/api/auth/session/").then(take, () => setReady(true));
  }, [take]);

  const signIn = useCallback(
    async (username: string, password: string) =>
      take(await api<Session>("/api/auth/session/", { method: "POST", body: { username, password } })),
    [take],
  );
  const register = useCallback(
    async (username: string, email: string, password: string) =>
      take(
        await api<Session>("/api/auth/session/register/", {
          method: "POST",
          body: { username, email, password },
        }),
      ),
    [take],
  );
  const signOut = useCallback(async () => {
    await api<null>("/api/auth/session/", { method: "DELETE" });
    take(await api<Session>("/api/auth/session/"));
  }, [take]);

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
