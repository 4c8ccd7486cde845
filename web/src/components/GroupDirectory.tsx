"use client";
// The hub's landing: the groups the viewer may see, found by words and tags, theirs first.
import Link from "next/link";
import { useState } from "react";
import type { Group } from "@/api/types";
import { usePages } from "@/lib/hooks";
import { useSession } from "@/lib/session";
import { Empty, ErrorBox, Loading } from "./States";

const VISIBILITY: Record<string, string> = {
  public: "Public",
  private: "Private",
  secret: "Secret",
};

function GroupCard({ group, onTag }: { group: Group; onTag: (tag: string) => void }) {
  return (
    <li className="card group" data-group={group.id}>
      <h3>
        <Link href={`/g/${group.id}`}>{group.name}</Link>
      </h3>
      <p className="meta">
        <span className="badge">{VISIBILITY[group.visibility] ?? group.visibility}</span>{" "}
        {group.member_count != null && (
          <span>
            {group.member_count} {group.member_count === 1 ? "member" : "members"}
          </span>
        )}
        {group.membership && <span className="badge ok">You are a member</span>}
      </p>
      {group.description && <p>{group.description}</p>}
      {group.tags.length > 0 && (
        <ul className="tags" aria-label={`Tags of ${group.name}`}>
          {group.tags.map((tag) => (
            <li key={tag}>
              <button type="button" className="tag" onClick={() => onTag(tag)}>
                #{tag}
              </button>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function GroupList({
  path,
  empty,
  onTag,
}: {
  path: string;
  empty: string;
  onTag: (tag: string) => void;
}) {
  const groups = usePages<Group>(path);
  return (
    <>
      {groups.error && <ErrorBox error={groups.error} onRetry={groups.reload} />}
      <ul className="groups">
        {groups.items.map((group) => (
          <GroupCard key={group.id} group={group} onTag={onTag} />
        ))}
      </ul>
      {groups.loading && <Loading label="Loading groups…" />}
      {!groups.loading && !groups.error && groups.items.length === 0 && <Empty>{empty}</Empty>}
      {!groups.done && !groups.loading && !groups.error && (
        <button type="button" className="button secondary" onClick={groups.loadMore}>
          More groups
        </button>
      )}
    </>
  );
}

export function GroupDirectory() {
  const { user, ready } = useSession();
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const [tag, setTag] = useState("");
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  if (tag) params.set("tag", tag);
  const query = params.toString();

  return (
    <div className="directory">
      {ready && !user && (
        <section className="hero">
          <h1>Find your people on Divan</h1>
          <p>Communities for every interest: read, post, reply and react.</p>
          <p>
            <Link href="/register" className="button">
              Join Divan
            </Link>{" "}
            <Link href="/signin" className="button secondary">
              Sign in
            </Link>
          </p>
        </section>
      )}
      {user && <h1>Groups</h1>}
      <form
        className="filters"
        role="search"
        aria-label="Filter groups"
        onSubmit={(event) => {
          event.preventDefault();
          setQ(text.trim());
        }}
      >
        <label htmlFor="group-q">Find groups</label>
        <div className="row">
          <input
            id="group-q"
            type="search"
            value={text}
            placeholder="Name or words"
            onChange={(event) => setText(event.target.value)}
          />
          <button type="submit" className="button">
            Search
          </button>
        </div>
        {tag && (
          <p className="active-filter">
            Tagged <strong>#{tag}</strong>{" "}
            <button type="button" className="link" onClick={() => setTag("")}>
              Clear tag
            </button>
          </p>
        )}
      </form>
      {user && (
        <section aria-labelledby="mine-heading">
          <h2 id="mine-heading">Your groups</h2>
          <GroupList
            path={`groups/?mine=true${query ? `&${query}` : ""}`}
            empty="You have not joined a group yet."
            onTag={setTag}
          />
          <p>
            <Link href="/groups/new">Start a group</Link>
          </p>
        </section>
      )}
      {ready && (
        <section aria-labelledby="all-heading">
          <h2 id="all-heading">{user ? "All groups" : "Groups"}</h2>
          <GroupList
            path={`groups/${query ? `?${query}` : ""}`}
            empty="No group matches."
            onTag={setTag}
          />
        </section>
      )}
    </div>
  );
}
