"use client";
// The bell's unread count: the server's reading with the page, then each `notification` event
// of the live stream (lib/live.tsx), and `notifications/unread/` read again only when the stream
// may have missed some (a reset, or a fresh stream that could not resume) or the inbox marked
// items read. Everything that refreshes it is in this one hook: the bell and the inbox only read it.
import { createContext, useCallback, useContext, useEffect, useRef, useState } from "react";
import type { Unread } from "@/api/types";
import { api } from "./api";
import { useLiveEvent } from "./live";
import { useSession } from "./session";

interface UnreadState {
  unread: Unread | null;
  /** Reads the count again now (after the inbox marked items read). */
  refresh: () => void;
}

const UnreadContext = createContext<UnreadState>({ unread: null, refresh: () => undefined });

function useLiveUnread(initial: Unread | null): UnreadState {
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
      () => undefined, // the badge keeps its last count; the next event or catch-up brings one
    );
  }, [signedIn]);

  useEffect(() => {
    if (!signedIn) {
      asked.current++;
      setUnread(null);
      return;
    }
    // Signed in since the page was read, or no count came with it: read it now.
    if (!first.current || initial === null) refresh();
    first.current = false;
    // `initial` is only the first reading: a later one does not read the count again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signedIn, refresh]);

  useLiveEvent("notification", (event) => {
    asked.current++; // a reading asked before this event may be older than it
    setUnread(event.unread);
  });
  useLiveEvent("catchup", refresh);

  return { unread, refresh };
}

/** `initial`: the count the server read with the page (null: none, or nobody signed in). */
export function UnreadProvider({ initial, children }: { initial: Unread | null; children: React.ReactNode }) {
  const state = useLiveUnread(initial);
  return <UnreadContext.Provider value={state}>{children}</UnreadContext.Provider>;
}

export function useUnread(): UnreadState {
  return useContext(UnreadContext);
}
