// A post and its threaded comments, read on the server as the visitor: a post the API does not
// show them is this page's 404. The post and its thread are read at once; the group (its name,
// and whether the visitor takes part) as soon as the post names it, still beside the thread.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import type { Comment, Group, Page, Post, PostLevel } from "@/api/types";
import { PostLevelSwitch } from "@/components/LevelSwitch";
import { PostView } from "@/components/PostView";
import { Thread } from "@/components/Thread";
import { mayTakePart } from "@/lib/abilities";
import { threadPath } from "@/lib/paths";
import { read, subject, viewer } from "@/lib/server";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  const post = /^\d+$/.test(id) ? await read<Post>(`posts/${id}/`) : null;
  return post?.ok ? { title: post.data.title || post.data.body.slice(0, 80) } : {};
}

export default async function PostPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d+$/.test(id)) notFound();
  const [[post, group], thread, level] = await Promise.all([
    read<Post>(`posts/${id}/`).then(
      async (post) => [post, post.ok ? await read<Group>(`groups/${post.data.group}/`) : null] as const,
    ),
    read<Page<Comment>>(threadPath(Number(id))),
    // your level for its thread, when you are signed in (the API answers it to its readers)
    viewer().then((user) => (user ? read<PostLevel>(`posts/${id}/notification-level/`) : null)),
  ]);
  const data = subject(post);
  const groupData = group?.ok ? group.data : null;
  const canWrite = mayTakePart(data);
  return (
    <div className="post-page">
      <PostView first={data} groupName={groupData?.name ?? "Group"} canReact={data.permissions.includes("react")} />
      {level?.ok && <PostLevelSwitch key={JSON.stringify(level.data)} postId={data.id} initial={level.data} />}
      <Thread postId={data.id} canWrite={canWrite} first={thread.ok ? thread.data : undefined} />
    </div>
  );
}
