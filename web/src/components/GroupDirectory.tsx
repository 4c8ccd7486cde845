"use client";
// The hub's landing: the groups the viewer may see, found by words and tags, theirs first. The
// server reads the unfiltered lists; a filter reads them again here.
import Link from "next/link";
import { useState } from "react";
import type { Group, Page } from "@/api/types";
import { usePages } from "@/lib/hooks";
import { groupsPath } from "@/lib/paths";
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
  first,
  empty,
  onTag,
}: {
  path: string;
  first: Page<Group> | undefined;
  empty: string;
  onTag: (tag: string) => void;
}) {
  const groups = usePages<Group>(path, first);
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

/**
 * `all` and `mine` are the unfiltered first pages as the server read them (`mine` only for
 * someone signed in); they stand until the first filter.
 */
export function GroupDirectory({
  signedIn,
  all,
  mine,
}: {
  signedIn: boolean;
  all: Page<Group> | undefined;
  mine: Page<Group> | undefined;
}) {
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const [tag, setTag] = useState("");
  const [filtered, setFiltered] = useState(false);
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  if (tag) params.set("tag", tag);
  const query = params.toString();
  const filter = (change: () => void) => {
    setFiltered(true);
    change();
  };
  const onTag = (value: string) => filter(() => setTag(value));

  return (
    <div className="directory">
      {!signedIn && (
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
      {signedIn && <h1>Groups</h1>}
      <form
        className="filters"
        role="search"
        aria-label="Filter groups"
        onSubmit={(event) => {
          event.preventDefault();
          filter(() => setQ(text.trim()));
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
            <button type="button" className="link" onClick={() => filter(() => setTag(""))}>
              Clear tag
            </button>
          </p>
        )}
      </form>
      {signedIn && (
        <section aria-labelledby="mine-heading">
          <h2 id="mine-heading">Your groups</h2>
          <GroupList
            path={groupsPath(query, true)}
            first={filtered ? undefined : mine}
            empty="You have not joined a group yet."
            onTag={onTag}
          />
          <p>
            <Link href="/groups/new">Start a group</Link>
          </p>
        </section>
      )}
      <section aria-labelledby="all-heading">
        <h2 id="all-heading">{signedIn ? "All groups" : "Groups"}</h2>
        <GroupList
          path={groupsPath(query)}
          first={filtered ? undefined : all}
          empty="No group matches."
          onTag={onTag}
        />
      </section>
    </div>
  );
}
