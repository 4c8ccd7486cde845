"use client";
// Talking to the API from components: a cursor-paginated list that grows, and a form's submission.
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import type { Page } from "@/api/types";
import { ApiError, api } from "./api";
import { nextQuery, withQuery } from "./cursor";

export interface Pages<T> {
  items: T[];
  error: ApiError | undefined;
  loading: boolean;
  done: boolean;
  loadMore: () => void;
  reload: () => void;
  /** Reads the pages shown again and shows them in place of the old (no emptying meanwhile). */
  reread: () => void;
  setItems: (update: (items: T[]) => T[]) => void;
}

/**
 * A cursor-paginated list: the first page of `path`, then each `next` on loadMore(). `first`,
 * when given, is that first page as the server read it: shown at once, not read again until
 * reload() (the caller passes it only while it is the first page of `path`).
 */
export function usePages<T>(path: string | null, first?: Page<T>): Pages<T> {
  const [items, setItems] = useState<T[]>(first?.results ?? []);
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(path !== null && !first);
  const [next, setNext] = useState<string | null>(nextQuery(first?.next));
  const [done, setDone] = useState(first ? nextQuery(first.next) === null : false);
  const [tick, setTick] = useState(0);
  const busy = useRef(false);
  const generation = useRef(0);
  // How many pages `items` holds: what reread() reads again.
  const pagesShown = useRef(first ? 1 : 0);
  const rereading = useRef<"idle" | "busy" | "again">("idle");
  // reread() runs on past a change of path (a burst of calls): it reads the path of now.
  const latestPath = useRef(path);
  useEffect(() => {
    latestPath.current = path;
  }, [path]);

  const fetchPage = useCallback(
    (pagePath: string, reset: boolean) => {
      const mine = reset ? ++generation.current : generation.current;
      busy.current = true;
      setLoading(true);
      api<Page<T>>(pagePath).then(
        (page) => {
          if (mine !== generation.current) return;
          setItems((old) => (reset ? page.results : [...old, ...page.results]));
          pagesShown.current = reset ? 1 : pagesShown.current + 1;
          const query = nextQuery(page.next);
          setNext(query);
          setDone(query === null);
          setError(undefined);
          setLoading(false);
          busy.current = false;
        },
        (failure) => {
          if (mine !== generation.current) return;
          setError(failure instanceof ApiError ? failure : new ApiError(0, null));
          setLoading(false);
          busy.current = false;
        },
      );
    },
    [],
  );

  useEffect(() => {
    if (path === null) return;
    if (first && tick === 0) {
      // The server's first page (again after a refresh of the page): no request.
      generation.current++;
      busy.current = false;
      setItems(first.results);
      pagesShown.current = 1;
      const query = nextQuery(first.next);
      setNext(query);
      setDone(query === null);
      setError(undefined);
      setLoading(false);
      return;
    }
    setItems([]);
    setDone(false);
    fetchPage(path, true);
  }, [path, tick, first, fetchPage]);

  const reload = useCallback(() => setTick((t) => t + 1), []);

  const reread = useCallback(() => {
    if (latestPath.current === null) return;
    // One reading at a time: calls meanwhile (a burst of live events) make one more after it.
    if (rereading.current !== "idle") {
      rereading.current = "again";
      return;
    }
    const called = () => rereading.current === "again";
    (async () => {
      do {
        rereading.current = "busy";
        // Whatever was on its way (a next page) is overtaken: this reads that many pages anew.
        const mine = ++generation.current;
        const wanted = Math.max(pagesShown.current, 1);
        const path = latestPath.current;
        if (path === null) break;
        try {
          const all: T[] = [];
          let query: string | null = null;
          let read = 0;
          do {
            const page: Page<T> = await api<Page<T>>(query === null ? path : withQuery(path, query));
            all.push(...page.results);
            query = nextQuery(page.next);
            read++;
          } while (query !== null && read < wanted);
          if (mine !== generation.current) continue;
          setItems(all);
          pagesShown.current = read;
          setNext(query);
          setDone(query === null);
          setError(undefined);
        } catch {
          // what is shown stays; the next event or a reload reads again
        }
        if (mine === generation.current) {
          setLoading(false);
          busy.current = false;
        }
      } while (called());
      rereading.current = "idle";
    })();
  }, []);

  const loadMore = useCallback(() => {
    if (path === null || busy.current || next === null) return;
    fetchPage(withQuery(path, next), false);
  }, [path, next, fetchPage]);

  return {
    items,
    error,
    loading,
    done,
    loadMore,
    reload,
    reread,
    setItems,
  };
}

/** What an action returns when the page goes on without this form (a navigation, a closing form): it stays busy. */
export const STAY_BUSY = Symbol("stay busy");

export interface Submission {
  busy: boolean;
  error: ApiError | null;
  setError: (error: ApiError | null) => void;
  /** A form's handler: runs `action` unless one is running, and keeps what it throws as `error`. */
  submit: (action: () => Promise<unknown>) => (event?: FormEvent) => Promise<void>;
}

/** One form's busy and error state, so that a second press while the first is sent does nothing. */
export function useSubmit(): Submission {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = (action: () => Promise<unknown>) => async (event?: FormEvent) => {
    event?.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    let outcome: unknown;
    try {
      outcome = await action();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    }
    if (outcome !== STAY_BUSY) setBusy(false);
  };

  return { busy, error, setError, submit };
}
