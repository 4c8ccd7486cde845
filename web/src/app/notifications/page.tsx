// Your inbox, read on the server as you: a page of items (all or unread, of every type or some),
// and the types' names from your preferences (the API's labels). Marking read is the client's,
// once the items are on screen (components/Inbox.tsx). Signed out, it sends you to sign in.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import type { Notification, Page, Preferences } from "@/api/types";
import { Inbox } from "@/components/Inbox";
import { inboxPath } from "@/lib/paths";
import { read, subject, viewer } from "@/lib/server";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Notifications" };

type Search = { searchParams: Promise<{ unread?: string; type?: string }> };

export default async function NotificationsPage({ searchParams }: Search) {
  const { unread, type } = await searchParams;
  const user = await viewer();
  if (!user) redirect("/signin?next=/notifications");
  const onlyUnread = unread === "true";
  const kind = typeof type === "string" && type ? type : "";
  const path = inboxPath(onlyUnread, kind);
  const [page, preferences] = await Promise.all([
    read<Page<Notification>>(path),
    read<Preferences>("notifications/preferences/"),
  ]);
  const first = subject(page);
  const types = preferences.ok ? preferences.data.types.map(({ type, label }) => ({ type, label })) : [];
  return (
    <>
      <h1>Notifications</h1>
      <Inbox key={path} path={path} first={first} unread={onlyUnread} type={kind} types={types} />
    </>
  );
}
