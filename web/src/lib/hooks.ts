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

  const fetchPage = useCallback(
    (pagePath: string, reset: boolean) => {
      const mine = reset ? ++generation.current : generation.current;
      busy.current = true;
      setLoading(true);
      api<Page<T>>(pagePath).then(
        (page) => {
          if (mine !== generation.current) return;
          setItems((old) => (reset ? page.results : [...old, ...page.results]));
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
