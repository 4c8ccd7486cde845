// A person's profile: their reputation, and their live posts and comments that the visitor may
// read, read on the server as the visitor. An unknown or deactivated name is this page's 404.
import type { Metadata } from "next";
import type { Comment, Group, Page, Post, Profile } from "@/api/types";
import { BlockSwitch } from "@/components/BlockSwitch";
import { ProfileActivity } from "@/components/Profile";
import { Time } from "@/components/Time";
import { profilePath, userCommentsPath, userPostsPath } from "@/lib/paths";
import { read, subject, viewer } from "@/lib/server";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ username: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { username } = await params;
  const profile = await read<Profile>(profilePath(decodeURIComponent(username)));
  return profile.ok ? { title: profile.data.username } : {};
}

export default async function ProfilePage({ params }: Params) {
  const { username: raw } = await params;
  const username = decodeURIComponent(raw);
  const [profile, posts, comments, user] = await Promise.all([
    read<Profile>(profilePath(username)),
    read<Page<Post>>(userPostsPath(username)),
    read<Page<Comment>>(userCommentsPath(username)),
    viewer(),
  ]);
  const person = subject(profile);
  // Their posts name groups by id: the names of those on the first page, read at once.
  const ids = [...new Set(posts.ok ? posts.data.results.map((post) => post.group) : [])];
  const groups = await Promise.all(ids.map((id) => read<Group>(`groups/${id}/`)));
  const groupNames: Record<number, string> = {};
  for (const group of groups) if (group.ok) groupNames[group.data.id] = group.data.name;
  return (
    <div className="profile-page">
      <section className="card" aria-labelledby="profile-name">
        <h1 id="profile-name">{person.username}</h1>
        <p className="meta">
          <span>
            {person.reputation} reputation
          </span>
          {" · "}
          <span>
            joined <Time iso={person.date_joined} />
          </span>
        </p>
        {user && user.id !== person.id && (
          <BlockSwitch key={person.viewer_block ?? ""} username={person.username} initial={person.viewer_block ?? null} />
        )}
      </section>
      <ProfileActivity
        username={person.username}
        posts={posts.ok ? posts.data : undefined}
        comments={comments.ok ? comments.data : undefined}
        groupNames={groupNames}
      />
    </div>
  );
}
