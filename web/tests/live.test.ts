// Live updates without a browser: the stream's events read (and malformed ones dropped), the
// stream's address for the posts a page views, the feed's pill count, and the connection's
// life: one stream per page, reopened when the posts change, a fresh one after a backoff when
// EventSource gives up, and a catch-up when events were missed.
import { describe, expect, it } from "vitest";
import {
  BACKOFF_FIRST_MS,
  BACKOFF_MOST_MS,
  LiveConnection,
  type LiveEvents,
  type SourceLike,
  parseEvent,
  pendingPosts,
  pillText,
  streamUrl,
} from "../src/lib/stream";

describe("the stream's events", () => {
  it("reads each event's data", () => {
    expect(parseEvent("ready", '{"resumed":true}')).toEqual({ resumed: true });
    const unread = { total: 3, display: "3", by_type: { post_reply: 2, mention: 1 } };
    expect(parseEvent("notification", JSON.stringify({ unread }))).toEqual({ unread });
    expect(parseEvent("feed", '{"post_id":41,"group_id":2}')).toEqual({ post_id: 41, group_id: 2 });
    const counts = { post_id: 7, comments_count: 4, reactions_count: 9, reaction_counts: { like: 5, love: 4 } };
    expect(parseEvent("post", JSON.stringify(counts))).toEqual(counts);
    expect(parseEvent("comment", '{"post_id":7,"comment_id":88,"parent_id":null}')).toEqual({
      post_id: 7,
      comment_id: 88,
      parent_id: null,
    });
    expect(parseEvent("comment", '{"post_id":7,"comment_id":89,"parent_id":88}')?.parent_id).toBe(88);
    expect(parseEvent("reset", '{"reason":"gone"}')).toEqual({ reason: "gone" });
  });

  it("drops what is not JSON of the event's shape", () => {
    expect(parseEvent("ready", "")).toBeNull();
    expect(parseEvent("ready", "{resumed: true}")).toBeNull();
    expect(parseEvent("ready", '{"resumed":"yes"}')).toBeNull();
    expect(parseEvent("notification", '{"unread":3}')).toBeNull();
    expect(parseEvent("notification", '{"unread":{"total":3,"display":"3"}}')).toBeNull();
    expect(parseEvent("feed", '{"post_id":"41","group_id":2}')).toBeNull();
    expect(parseEvent("feed", "[41, 2]")).toBeNull();
    expect(parseEvent("post", '{"post_id":7,"comments_count":-1,"reactions_count":0,"reaction_counts":{}}')).toBeNull();
    expect(parseEvent("post", '{"post_id":7,"comments_count":1,"reactions_count":0,"reaction_counts":{"like":"2"}}')).toBeNull();
    expect(parseEvent("comment", '{"post_id":7,"comment_id":88}')).toBeNull();
    expect(parseEvent("comment", '{"post_id":7,"comment_id":0,"parent_id":null}')).toBeNull();
    expect(parseEvent("reset", "null")).toBeNull();
  });
});

describe("the stream's address", () => {
  it("names the posts a page views, each once, in order, at most 20", () => {
    expect(streamUrl([])).toBe("/api/stream/");
    expect(streamUrl([13, 12, 13])).toBe("/api/stream/?posts=12,13");
    const many = Array.from({ length: 25 }, (_, i) => 25 - i);
    expect(streamUrl(many)).toBe(`/api/stream/?posts=${Array.from({ length: 20 }, (_, i) => i + 1).join(",")}`);
  });

  it("names where a fresh stream resumes", () => {
    expect(streamUrl([], "1796653518363-0")).toBe("/api/stream/?last_event_id=1796653518363-0");
    expect(streamUrl([7], "12-3")).toBe("/api/stream/?posts=7&last_event_id=12-3");
  });
});

describe("the new-posts pill", () => {
  it("counts distinct new posts, not the ones the feed shows", () => {
    const shown = new Set([10, 11]);
    let pending: number[] = [];
    for (const id of [41, 42, 41, 10, 43, 42]) pending = pendingPosts(pending, id, shown);
    expect(pending).toEqual([41, 42, 43]);
    expect(pillText(pending.length)).toBe("3 new posts");
    expect(pillText(1)).toBe("1 new post");
  });
});

/** A fake EventSource: the test sends its events and decides when it closes. */
class FakeSource implements SourceLike {
  readyState = 0;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(name: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  send(name: string, data: unknown, lastEventId = "") {
    this.readyState = 1;
    const text = typeof data === "string" ? data : JSON.stringify(data);
    for (const listener of this.listeners.get(name) ?? []) {
      listener({ data: text, lastEventId } as MessageEvent<string>);
    }
  }
  /** An error: EventSource retrying by itself (CONNECTING), or given up (CLOSED). */
  fail(closed: boolean) {
    this.readyState = closed ? 2 : 0;
    this.onerror?.({} as Event);
  }
}

/** A connection over fake sources, with the deferred work and the timers run by hand. */
function harness(from: string | null = null) {
  const sources: FakeSource[] = [];
  const deferred: (() => void)[] = [];
  const timers: { run: () => void; ms: number; cleared: boolean }[] = [];
  const live = new LiveConnection(
    (url) => {
      const source = new FakeSource(url);
      sources.push(source);
      return source;
    },
    {
      set: (run, ms) => {
        const timer = { run, ms, cleared: false };
        timers.push(timer);
        return timer;
      },
      clear: (timer) => void ((timer as { cleared: boolean }).cleared = true),
      defer: (run) => void deferred.push(run),
    },
    from,
  );
  const settle = () => {
    while (deferred.length) deferred.shift()?.();
  };
  const fire = () => {
    const timer = timers.filter((t) => !t.cleared).pop();
    if (!timer) throw new Error("no timer");
    timer.cleared = true;
    timer.run();
    settle();
  };
  const seen: [string, unknown][] = [];
  for (const name of ["ready", "notification", "feed", "post", "comment", "reset", "catchup"] as const) {
    live.on(name, (event: LiveEvents[typeof name]) => seen.push([name, event]));
  }
  const current = () => sources[sources.length - 1];
  return { live, sources, timers, settle, fire, seen, current };
}

describe("the page's stream", () => {
  it("opens where the page's server read said the stream stood, and so misses nothing", () => {
    const { live, settle, current, seen } = harness("31-0");
    live.start();
    settle();
    expect(current().url).toBe("/api/stream/?last_event_id=31-0");
    current().send("ready", { resumed: true }, "31-0");
    expect(seen).toEqual([["ready", { resumed: true }]]);
  });

  it("opens one stream for the posts the page's parts watch, after they all have", () => {
    const { live, sources, settle } = harness();
    const unwatchView = live.watch(7);
    const unwatchThread = live.watch(7);
    live.start();
    settle();
    expect(sources.map((s) => s.url)).toEqual(["/api/stream/?posts=7"]);

    // Another post's page: one new stream, the old one closed.
    unwatchView();
    unwatchThread();
    live.watch(8);
    settle();
    expect(sources.map((s) => s.url)).toEqual(["/api/stream/?posts=7", "/api/stream/?posts=8"]);
    expect(sources[0].closed).toBe(true);
    expect(sources[1].closed).toBe(false);

    // The same posts again: nothing reopens.
    const again = live.watch(8);
    settle();
    again();
    settle();
    expect(sources).toHaveLength(2);

    live.stop();
    expect(sources[1].closed).toBe(true);
  });

  it("hands each event to its subscribers, and drops malformed ones", () => {
    const { live, settle, seen, current } = harness();
    live.start();
    settle();
    current().send("ready", { resumed: false });
    current().send("feed", { post_id: 41, group_id: 2 });
    current().send("feed", "not json");
    current().send("comment", { post_id: 7, comment_id: 88, parent_id: null });
    expect(seen).toEqual([
      ["ready", { resumed: false }],
      ["feed", { post_id: 41, group_id: 2 }],
      ["comment", { post_id: 7, comment_id: 88, parent_id: null }],
    ]);
  });

  it("leaves EventSource's own reconnection alone, and catches up after a reset", () => {
    const { live, sources, timers, settle, seen, current } = harness();
    live.start();
    settle();
    current().send("ready", { resumed: false });
    current().fail(false); // dropped: EventSource reconnects with Last-Event-ID
    current().send("ready", { resumed: true });
    expect(sources).toHaveLength(1);
    expect(timers).toHaveLength(0);
    current().send("reset", { reason: "slow" });
    expect(seen.map(([name]) => name)).toEqual(["ready", "ready", "reset", "catchup"]);
    expect(seen[3][1]).toEqual({ reason: "reset" });
  });

  it("opens a fresh stream when EventSource gives up, waiting 1 s, 2 s, 4 s ... at most 30 s", () => {
    const { live, sources, timers, settle, fire, seen, current } = harness();
    live.watch(7);
    live.start();
    settle();
    current().send("ready", { resumed: false });
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      current().fail(true); // a 401, the proxy's 502
      expect(current().closed).toBe(true);
      waits.push(timers[timers.length - 1].ms);
      fire();
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(sources).toHaveLength(8);
    expect(current().url).toBe("/api/stream/?posts=7");
    // A fresh stream cannot resume: the page catches up; the next failure waits 1 s again.
    current().send("ready", { resumed: false });
    expect(seen.slice(-2)).toEqual([
      ["ready", { resumed: false }],
      ["catchup", { reason: "reconnected" }],
    ]);
    current().fail(true);
    expect(timers[timers.length - 1].ms).toBe(BACKOFF_FIRST_MS);
    expect(BACKOFF_MOST_MS).toBe(30_000);
  });

  it("asks nothing of the page when it opens a new page's stream, and stops retrying at sign-out", () => {
    const { live, sources, timers, settle, seen, current } = harness();
    live.start();
    settle();
    current().send("ready", { resumed: false }, "0-0");
    current().send("notification", { unread: { total: 1, display: "1", by_type: {} } }, "12-0");
    live.watch(9);
    settle();
    // the new page's stream resumes where the last one was: the bell misses nothing meanwhile
    expect(current().url).toBe("/api/stream/?posts=9&last_event_id=12-0");
    current().send("ready", { resumed: true }, "12-0");
    expect(seen.map(([name]) => name)).toEqual(["ready", "notification", "ready"]);

    current().fail(true);
    expect(timers.filter((t) => !t.cleared)).toHaveLength(1);
    live.stop(); // signed out
    expect(timers.filter((t) => !t.cleared)).toHaveLength(0);
    settle();
    expect(sources).toHaveLength(2);
    // signed in again: a stream at once, and its first ready is no catch-up
    live.start();
    settle();
    expect(sources).toHaveLength(3);
    current().send("ready", { resumed: false });
    expect(seen.filter(([name]) => name === "catchup")).toEqual([]);
  });

  it("catches up when the first stream the page opens comes after one that failed", () => {
    const { live, settle, fire, seen, current } = harness();
    live.start();
    settle();
    current().fail(true); // the stream process was down as the page was read
    fire();
    current().send("ready", { resumed: false });
    expect(seen.map(([name]) => name)).toEqual(["ready", "catchup"]);
  });

  it("keeps a retry's wait when the posts change meanwhile, and opens for the new posts", () => {
    const { live, sources, settle, fire, current } = harness();
    live.start();
    settle();
    current().fail(true);
    live.watch(5);
    settle();
    expect(sources).toHaveLength(1);
    fire();
    expect(sources.map((s) => s.url)).toEqual(["/api/stream/", "/api/stream/?posts=5"]);
  });
});
