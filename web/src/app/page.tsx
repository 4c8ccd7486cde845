// Home: your personal feed when signed in, the groups directory (the landing) when not, read
// on the server as the visitor.
import type { Group, Page, Post } from "@/api/types";
import { Directory } from "@/components/Directory";
import { HomeFeed } from "@/components/HomeFeed";
import { homeFeedPath, myGroupsPath } from "@/lib/paths";
import { read, viewer } from "@/lib/server";

export const dynamic = "force-dynamic";

export default async function Home() {
  // Who it is was read already for the layout (one request); then their feed and group names.
  const user = await viewer();
  if (!user) return <Directory />;
  const [feed, mine] = await Promise.all([
    read<Page<Post>>(homeFeedPath("recent")),
    read<Page<Group>>(myGroupsPath),
  ]);
  return <HomeFeed key={user.id} feed={feed.ok ? feed.data : undefined} groups={mine.ok ? mine.data.results : []} />;
}
