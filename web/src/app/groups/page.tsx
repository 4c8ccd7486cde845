import type { Metadata } from "next";
import { Directory } from "@/components/Directory";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Groups" };

export default function GroupsPage() {
  return <Directory />;
}
