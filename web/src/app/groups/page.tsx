import type { Metadata } from "next";
import { GroupDirectory } from "@/components/GroupDirectory";

export const metadata: Metadata = { title: "Groups" };

export default function GroupsPage() {
  return <GroupDirectory />;
}
