// How notifications reach you, read on the server as you: per type off, in the hub, or in the
// hub and by mail (the types' names are the API's), the digest, and the people you block or
// mute, each to undo. Signed out, it sends you to sign in and back.
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import type { Block, Page, Preferences } from "@/api/types";
import { BlockList, NotificationPreferences } from "@/components/NotificationSettings";
import { blocksPath } from "@/lib/paths";
import { read, subject, viewer } from "@/lib/server";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Notification settings" };

export default async function NotificationSettingsPage() {
  const user = await viewer();
  if (!user) redirect("/signin?next=/account/notifications");
  const [preferences, blocks] = await Promise.all([
    read<Preferences>("notifications/preferences/"),
    read<Page<Block>>(blocksPath),
  ]);
  const first = subject(preferences);
  return (
    <>
      <h1>Notification settings</h1>
      <p>
        <Link href="/notifications">Your notifications</Link> · <Link href="/account">Your account</Link>
      </p>
      <NotificationPreferences first={first} />
      <BlockList first={blocks.ok ? blocks.data : undefined} />
    </>
  );
}
