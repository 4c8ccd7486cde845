"use client";
// The bell's unread count: the server's reading with the page, then `notifications/unread/`
// again every 10 s while the document is visible, at once when it becomes visible or takes the
// focus, and never while it is hidden. Everything that refreshes it is in this one hook, so that
// live updates (issue 22) can take the polling's place without touching the bell or the inbox.
import { createContext, useCallback, useContext, useEffect, useRef, useState } from "react";
import type { Unread } from "@/api/types";
import { api } from "./api";
import { useSession } from "./session";

export const UNREAD_REFRESH_MS = 10_000;

interface UnreadState {
  unread: Unread | null;
  /** Reads the count again now (after the inbox marked items read). */
  refresh: () => void;
}

const UnreadContext = createContext<UnreadState>({ unread: null, refresh: () => undefined });

function useUnreadPolling(initial: Unread | null): UnreadState {
  const { user } = useSession();
  const [unread, setUnread] = useState<Unread | null>(initial);
  const signedIn = Boolean(user);
  const asked = useRef(0);
  const first = useRef(true);

  const refresh = useCallback(() => {
    if (!signedIn) return;
    const mine = ++asked.current;
    api<Unread>("notifications/unread/").then(
      (answer) => {
        if (mine === asked.current) setUnread(answer);
      },
      () => undefined, // the badge keeps its last count; the next poll tries again
    );
  }, [signedIn]);

  useEffect(() => {
    if (!signedIn) {
      asked.current++;
      setUnread(null);
      return;
    }
    let timer: ReturnType<typeof setInterval> | null = null;
    const start = () => {
      if (timer === null) timer = setInterval(refresh, UNREAD_REFRESH_MS);
    };
    const stop = () => {
      if (timer !== null) clearInterval(timer);
      timer = null;
    };
    const onVisibility = () => {
      if (document.visibilityState === "visible") {
        refresh();
        start();
      } else {
        stop();
      }
    };
    const onFocus = () => refresh();
    if (document.visibilityState === "visible") start();
    // Signed in since the page was read, or no count came with it: read it now.
    if (!first.current || initial === null) refresh();
    first.current = false;
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("focus", onFocus);
    return () => {
      stop();
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("focus", onFocus);
    };
    // `initial` is only the first reading: a later one does not restart the polling.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signedIn, refresh]);

  return { unread, refresh };
}

/** `initial`: the count the server read with the page (null: none, or nobody signed in). */
export function UnreadProvider({ initial, children }: { initial: Unread | null; children: React.ReactNode }) {
  const state = useUnreadPolling(initial);
  return <UnreadContext.Provider value={state}>{children}</UnreadContext.Provider>;
}

export function useUnread(): UnreadState {
  return useContext(UnreadContext);
}
