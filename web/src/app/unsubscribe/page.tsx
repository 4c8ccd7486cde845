// The link in a notification mail's footer: what it stops (the API's label, and the address,
// masked), read on the server without signing in; it stops only on a press of the button, since
// mail scanners open links. A link the API refuses is this page's error, with its status (400).
import type { Metadata } from "next";
import type { UnsubscribeTarget } from "@/api/types";
import { Unsubscribe } from "@/components/Unsubscribe";
import { unsubscribePath } from "@/lib/paths";
import { read, subject } from "@/lib/server";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Unsubscribe" };

export default async function UnsubscribePage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  const value = typeof token === "string" ? token : "";
  const target = subject(await read<UnsubscribeTarget>(unsubscribePath(value)));
  return <Unsubscribe token={value} target={target} />;
}
