// Live updates (issue 22) without React: the stream's events as the hub reads them, and the one
// connection a page keeps, an EventSource on /api/stream/ for the posts the page views, handing
// each event to its subscribers. Pure enough for the units, which give it a fake EventSource.
import type { Post, Unread } from "@/api/types";

export const STREAM_PATH = "/api/stream/";
/** The stream process's cap on the posts one stream watches. */
export const MAX_POSTS = 20;
/** Waits before a fresh EventSource, once the last one closed for good: doubling, capped. */
export const BACKOFF_FIRST_MS = 1_000;
export const BACKOFF_MOST_MS = 30_000;

type Counts = Pick<Post, "comments_count" | "reactions_count" | "reaction_counts">;

export interface LiveEvents {
  ready: { resumed: boolean };
  notification: { unread: Unread };
  feed: { post_id: number; group_id: number };
  post: Counts & { post_id: number };
  comment: { post_id: number; comment_id: number; parent_id: number | null };
  reset: { reason: string };
  /**
   * The hub's own: the page may have missed events (a `reset`, or a fresh stream after one
   * closed, which cannot resume), so what it shows is read again.
   */
  catchup: { reason: "reset" | "reconnected" };
}
export type LiveName = keyof LiveEvents;
type ServerName = Exclude<LiveName, "catchup">;
const SERVER_EVENTS: ServerName[] = ["ready", "notification", "feed", "post", "comment", "reset"];

type Fields = Record<string, unknown>;
const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isObject = (value: unknown): value is Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isCounts = (value: unknown) => isObject(value) && Object.values(value).every(isCount);

// What each event's data must hold: anything else is dropped, never half-applied to a page.
const SHAPES: { [N in ServerName]: (data: Fields) => boolean } = {
  ready: (data) => typeof data.resumed === "boolean",
  notification: ({ unread }) =>
    isObject(unread) && isCount(unread.total) && typeof unread.display === "string" && isCounts(unread.by_type),
  feed: (data) => isId(data.post_id) && isId(data.group_id),
  post: (data) =>
    isId(data.post_id) && isCount(data.comments_count) && isCount(data.reactions_count) && isCounts(data.reaction_counts),
  comment: (data) => isId(data.post_id) && isId(data.comment_id) && (data.parent_id === null || isId(data.parent_id)),
  reset: (data) => typeof data.reason === "string",
};

/** An event's data as the hub uses it, or null when it is not JSON of the event's shape. */
export function parseEvent<N extends ServerName>(name: N, text: string): LiveEvents[N] | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  return isObject(data) && SHAPES[name](data) ? (data as unknown as LiveEvents[N]) : null;
}

/**
 * The stream's address for these posts: at most MAX_POSTS, in order, each once; with `lastId`,
 * where a fresh stream resumes (what EventSource's own reconnection sends as Last-Event-ID).
 */
export function streamUrl(posts: Iterable<number>, lastId: string | null = null): string {
  const ids = [...new Set(posts)].sort((a, b) => a - b).slice(0, MAX_POSTS);
  const query = new URLSearchParams();
  if (ids.length) query.set("posts", ids.join(","));
  if (lastId) query.set("last_event_id", lastId);
  const text = query.toString().replaceAll("%2C", ",");
  return text ? `${STREAM_PATH}?${text}` : STREAM_PATH;
}

/**
 * The new posts a feed's pill counts: `pending` with `postId` added, unless it is there already
 * or the feed shows it. The same post may come again (an edit, a replay): it counts once.
 */
export function pendingPosts(pending: readonly number[], postId: number, shown: ReadonlySet<number>): number[] {
  return pending.includes(postId) || shown.has(postId) ? [...pending] : [...pending, postId];
}

/** "3 new posts". */
export function pillText(count: number): string {
  return count === 1 ? "1 new post" : `${count} new posts`;
}

/** What the connection needs of an EventSource (the units give it a fake one). */
export interface SourceLike {
  readonly readyState: number;
  addEventListener(name: string, listener: (event: MessageEvent<string>) => void): void;
  onerror: ((event: Event) => void) | null;
  close(): void;
}
const CLOSED = 2; // EventSource.CLOSED

interface Timers {
  set: (run: () => void, ms: number) => unknown;
  clear: (timer: unknown) => void;
  defer: (run: () => void) => void;
}
const REAL_TIMERS: Timers = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  defer: (run) => queueMicrotask(run),
};

type Handler<N extends LiveName> = (event: LiveEvents[N]) => void;

/**
 * One stream for a page. EventSource reconnects by itself after a dropped connection, sending
 * Last-Event-ID so that the server replays what was missed; only when it gives up (CLOSED: a
 * 401 after signing out, the proxy's 502) does this open a fresh one, after a backoff. The
 * posts watched change the stream's address: a change reopens it once, after the page's
 * effects have all run (a page that shows a post opens one stream, not two).
 */
export class LiveConnection {
  private readonly handlers = new Map<LiveName, Set<Handler<LiveName>>>();
  private readonly viewing = new Map<number, number>();
  private source: SourceLike | null = null;
  private url: string | null = null;
  // The id of the last event a stream of this page had: a fresh stream resumes from it.
  private lastId: string | null = null;
  private running = false;
  private queued = false;
  private retry: unknown = null;
  private backoff = BACKOFF_FIRST_MS;
  // Events this page may have missed: a stream of it was ready before (a fresh one cannot
  // resume), or one closed for good before any was (the page has been without since).
  private wasReady = false;
  private closedForGood = false;

  /** `from`: where the page's first stream opens (the page's server read of `live/position/`). */
  constructor(
    private readonly open: (url: string) => SourceLike,
    private readonly timers: Timers = REAL_TIMERS,
    from: string | null = null,
  ) {
    this.lastId = from;
  }

  /** Calls `handler` with each `name` event; answers the unsubscribe. */
  on<N extends LiveName>(name: N, handler: Handler<N>): () => void {
    const set = this.handlers.get(name) ?? new Set();
    this.handlers.set(name, set);
    set.add(handler as Handler<LiveName>);
    return () => void set.delete(handler as Handler<LiveName>);
  }

  /** Watches a post's counts and comments; answers the unwatch. Two watchers of one post: one id. */
  watch(postId: number): () => void {
    this.viewing.set(postId, (this.viewing.get(postId) ?? 0) + 1);
    this.queue();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.viewing.get(postId) ?? 1) - 1;
      if (left > 0) this.viewing.set(postId, left);
      else this.viewing.delete(postId);
      this.queue();
    };
  }

  start(): void {
    this.running = true;
    this.queue();
  }

  stop(): void {
    this.running = false;
    this.close();
    this.cancelRetry();
    this.backoff = BACKOFF_FIRST_MS;
    this.wasReady = false;
    this.closedForGood = false;
    this.lastId = null;
  }

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    this.timers.defer(() => {
      this.queued = false;
      this.sync();
    });
  }

  // Opens the stream the page wants now, unless it is open, or a retry will open it.
  private sync(): void {
    if (!this.running || this.retry !== null) return;
    const url = streamUrl(this.viewing.keys());
    if (this.source && url === this.url) return;
    if (this.source) {
      // A new page, read from the server just now: nothing it shows was missed; and the new
      // stream resumes where this one was, so the bell and the pill miss nothing meanwhile.
      this.close();
      this.wasReady = false;
      this.closedForGood = false;
    }
    this.connect(url);
  }

  private connect(url: string): void {
    const source = this.open(this.lastId ? streamUrl(this.viewing.keys(), this.lastId) : url);
    this.source = source;
    this.url = url;
    for (const name of SERVER_EVENTS) {
      source.addEventListener(name, (event) => {
        if (this.source !== source) return;
        if (event.lastEventId) this.lastId = event.lastEventId;
        this.deliver(name, event.data);
      });
    }
    source.onerror = () => {
      if (this.source !== source || source.readyState !== CLOSED) return; // EventSource retries
      this.close();
      this.closedForGood = true;
      this.retry = this.timers.set(() => {
        this.retry = null;
        this.sync();
      }, this.backoff);
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MOST_MS);
    };
  }

  private deliver(name: ServerName, text: string): void {
    const event = parseEvent(name, text);
    if (event === null) return;
    if (name === "ready") {
      this.backoff = BACKOFF_FIRST_MS;
      const missed = (this.wasReady || this.closedForGood) && !(event as LiveEvents["ready"]).resumed;
      this.wasReady = true;
      this.closedForGood = false;
      this.emit("ready", event as LiveEvents["ready"]);
      if (missed) this.emit("catchup", { reason: "reconnected" });
      return;
    }
    this.emit(name as Exclude<ServerName, "ready">, event as LiveEvents[Exclude<ServerName, "ready">]);
    if (name === "reset") this.emit("catchup", { reason: "reset" });
  }

  private emit<N extends LiveName>(name: N, event: LiveEvents[N]): void {
    for (const handler of [...(this.handlers.get(name) ?? [])]) {
      try {
        handler(event);
      } catch (error) {
        console.error(error); // one page part's failure leaves the others their events
      }
    }
  }

  private close(): void {
    this.source?.close();
    this.source = null;
    this.url = null;
  }

  private cancelRetry(): void {
    if (this.retry !== null) this.timers.clear(this.retry);
    this.retry = null;
  }
}
