"use client";
// The page's one live stream (issue 22) for React: a LiveConnection (lib/stream.ts) open while
// someone is signed in, closed at sign-out. Parts of the page subscribe to its events by name,
// and a post's page names the post it shows. When events were missed, the page is read again.
import { useRouter } from "next/navigation";
import { createContext, useContext, useEffect, useEffectEvent, useState } from "react";
import { type LiveEvents, type LiveName, LiveConnection } from "./stream";
import { useSession } from "./session";

const LiveContext = createContext<LiveConnection | null>(null);

/** `from`: where the stream stood when the page was read on the server (its first stream opens there). */
export function LiveProvider({ from, children }: { from: string | null; children: React.ReactNode }) {
  const { user } = useSession();
  const router = useRouter();
  // Built on the server too, where it opens nothing: only effects open a stream.
  const [live] = useState(() => new LiveConnection((url) => new EventSource(url), undefined, from));
  const signedIn = Boolean(user);
  useEffect(() => {
    if (!signedIn) return;
    live.start();
    return () => live.stop();
  }, [live, signedIn]);
  // A reset, or a fresh stream that could not resume: the page's server-read parts read again.
  useEffect(() => live.on("catchup", () => router.refresh()), [live, router]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

/** Calls `handler` (its latest version) with each `name` event of the page's stream. */
export function useLiveEvent<N extends LiveName>(name: N, handler: (event: LiveEvents[N]) => void): void {
  const live = useContext(LiveContext);
  const onEvent = useEffectEvent(handler);
  useEffect(() => live?.on(name, (event) => onEvent(event)), [live, name]);
}

interface PostHandlers {
  /** The post's counts changed. */
  post?: (event: LiveEvents["post"]) => void;
  /** A comment was written on the post. */
  comment?: (event: LiveEvents["comment"]) => void;
}

/** The page shows post `postId`: the stream watches it, and `handlers` get its events. */
export function useLivePost(postId: number, handlers: PostHandlers): void {
  const live = useContext(LiveContext);
  useEffect(() => live?.watch(postId), [live, postId]);
  useLiveEvent("post", (event) => {
    if (event.post_id === postId) handlers.post?.(event);
  });
  useLiveEvent("comment", (event) => {
    if (event.post_id === postId) handlers.comment?.(event);
  });
}
