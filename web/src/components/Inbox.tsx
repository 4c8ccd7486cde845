"use client";
// The inbox: items in sentences, each linking where its mail would, the unread ones marked in
// words as well as in colour; filters (all or unread, a type) and "More" on the cursor. What the
// page shows is marked read once it is on screen (those items, by id), and the bell is read
// again. A notification that arrives meanwhile (the stream's count goes up) offers a button that
// reads the list again, rather than moving what the reader is reading.
import Form from "next/form";
import Link from "next/link";
import { useEffect, useId, useRef, useState } from "react";
import type { Notification, Page } from "@/api/types";
import { api } from "@/lib/api";
import { usePages } from "@/lib/hooks";
import { useLiveEvent } from "@/lib/live";
import { INBOX, notificationSentence, readMark } from "@/lib/notifications";
import { inboxPage } from "@/lib/paths";
import { useUnread } from "@/lib/unread";
import { Empty, ErrorBox, Loading } from "./States";
import { Time } from "./Time";

function InboxItem({ item }: { item: Notification }) {
  const sentence = notificationSentence(item);
  const path = item.path;
  return (
    <li className={item.read ? "inbox-item" : "inbox-item unread"} data-notification={item.id}>
      <p>
        {!item.read && (
          <>
            <span className="badge warn">New</span>{" "}
          </>
        )}
        {path === INBOX ? <span>{sentence}</span> : <Link href={path}>{sentence}</Link>}
      </p>
      {item.comment?.excerpt && <p className="excerpt">“{item.comment.excerpt}”</p>}
      <p className="meta">
        <Time iso={item.updated_at} />
      </p>
    </li>
  );
}

export function Inbox({
  path,
  first,
  unread,
  type,
  types,
}: {
  path: string;
  first: Page<Notification>;
  unread: boolean;
  type: string;
  types: { type: string; label: string }[];
}) {
  const id = useId();
  const list = usePages<Notification>(path, first);
  const { unread: count, refresh } = useUnread();
  const sent = useRef(new Set<number>());
  const [news, setNews] = useState(false);
  const items = useRef<HTMLUListElement>(null);
  // The count before each event: marking read lowers it (its event is no news), a new item raises it.
  const known = useRef(count?.total ?? 0);
  useEffect(() => {
    known.current = count?.total ?? 0;
  }, [count]);
  useLiveEvent("notification", ({ unread: now }) => {
    if (now.total > known.current) setNews(true);
    known.current = now.total;
  });

  // Marked read as seen: what is on screen and not yet sent, once per item.
  useEffect(() => {
    const fresh = list.items.filter((item) => !item.read && !sent.current.has(item.id));
    const mark = readMark(fresh);
    if (!mark) return;
    for (const item of fresh) sent.current.add(item.id);
    api("notifications/read/", { method: "POST", body: mark }).then(refresh, () => {
      for (const item of fresh) sent.current.delete(item.id); // the next page or visit tries again
    });
  }, [list.items, refresh]);

  return (
    <>
      <div className="heading-row filters-row">
        <nav aria-label="Which notifications">
          <ul className="report-tabs">
            <li>
              <Link href={inboxPage(false, type)} aria-current={!unread ? "page" : undefined}>
                All
              </Link>
            </li>
            <li>
              <Link href={inboxPage(true, type)} aria-current={unread ? "page" : undefined}>
                Unread
              </Link>
            </li>
          </ul>
        </nav>
        {types.length > 0 && (
          <Form action="/notifications" className="actions" key={type}>
            {unread && <input type="hidden" name="unread" value="true" />}
            <label htmlFor={`${id}-type`} className="visually-hidden">
              Type
            </label>
            <select id={`${id}-type`} name="type" defaultValue={type}>
              <option value="">Every type</option>
              {types.map((option) => (
                <option key={option.type} value={option.type}>
                  {option.label}
                </option>
              ))}
            </select>
            <button type="submit" className="button secondary">
              Show
            </button>
          </Form>
        )}
      </div>
      <p>
        <Link href="/account/notifications">Notification settings</Link>
      </p>
      <div className="inbox-news" aria-live="polite">
        {news && (
          <button
            type="button"
            className="button"
            onClick={() => {
              setNews(false);
              list.reread();
              items.current?.focus(); // the button goes: the reader goes on at the list's top
            }}
          >
            New notifications: show
          </button>
        )}
      </div>
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {!list.error && !list.loading && list.items.length === 0 && (
        <Empty>{unread || type ? "Nothing here with these filters." : "No notifications yet."}</Empty>
      )}
      <ul className="inbox" aria-label="Notifications" ref={items} tabIndex={-1}>
        {list.items.map((item) => (
          <InboxItem key={item.id} item={item} />
        ))}
      </ul>
      {list.loading && <Loading label="Loading notifications…" />}
      {!list.done && !list.loading && !list.error && (
        <button type="button" className="button secondary" onClick={list.loadMore}>
          More
        </button>
      )}
    </>
  );
}
