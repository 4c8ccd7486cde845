"use client";
// The Manage page's forms: members and roles, join requests, invitations, sign-up links, bans,
// the group's settings and archiving. Each list's first page comes from the server, its later
// ones on its cursor from a button; after each change the page is read again (router.refresh(),
// which shows each list from its first page), and a refusal is shown in the API's own words.
import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";
import type { Group, Page } from "@/api/types";
import { ApiError, type CallOptions, api } from "@/lib/api";
import type {
  Ban,
  Invitation,
  JoinRequest,
  Member,
  SignupInvitation,
  SignupInvitationCreateRequest,
  SignupInvitationCreated,
} from "@/api/types";
import { usePages } from "@/lib/hooks";
import { manageListPath } from "@/lib/paths";
import { parseTags } from "./Composer";
import { Empty, ErrorBox, FormErrors, Loading } from "./States";
import { Time } from "./Time";

const ROLES = ["member", "moderator", "admin", "owner"] as const;

/**
 * A list on its cursor: the server's first page of `path`, then the next on "More {noun}"; a
 * failed page is said in words, and tried again from where it failed.
 */
function Rows<T>({
  path,
  first,
  noun,
  empty,
  row,
}: {
  path: string;
  first: Page<T>;
  noun: string;
  empty: string;
  row: (item: T) => React.ReactNode;
}) {
  const pages = usePages<T>(path, first);
  return (
    <>
      {pages.items.length === 0 && !pages.loading ? (
        <Empty>{empty}</Empty>
      ) : (
        <ul className="manage-list">{pages.items.map(row)}</ul>
      )}
      {pages.error && <ErrorBox error={pages.error} onRetry={pages.loadMore} />}
      {pages.loading && <Loading label={`Loading more ${noun}…`} />}
      {!pages.done && !pages.loading && !pages.error && (
        <button type="button" className="button secondary" onClick={pages.loadMore}>
          More {noun}
        </button>
      )}
    </>
  );
}

/**
 * One write, then the page read again; its error kept for the form to show. `answered` gets the
 * API's answer (a link made, shown once), `after` runs once it succeeded.
 */
function useWrite() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function write(
    path: string,
    options: CallOptions,
    after?: () => void,
    answered?: (data: unknown) => void,
  ): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      const data = await api(path, options); // apart: inside `answered?.(...)` it runs only with one
      answered?.(data);
      after?.();
      router.refresh();
      return true;
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, write };
}

function MemberRow({ groupId, member, change, remove }: { groupId: number; member: Member; change: boolean; remove: boolean }) {
  const { busy, error, write } = useWrite();
  const [role, setRole] = useState<string>(member.role);
  const id = useId();
  const name = member.user.username;
  return (
    <li className="card manage-item" data-member={name}>
      <p>
        <strong>{name}</strong> <span className="badge">{member.role}</span>
      </p>
      <div className="actions">
        {change && (
          <>
            <label className="visually-hidden" htmlFor={id}>
              Role of {name}
            </label>
            <select id={id} value={role} onChange={(event) => setRole(event.target.value)}>
              {ROLES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="button secondary"
              disabled={busy || role === member.role}
              onClick={() => write(`groups/${groupId}/members/${member.user.id}/`, { method: "PATCH", body: { role } })}
            >
              Change role
            </button>
          </>
        )}
        {remove && (
          <button
            type="button"
            className="button danger"
            disabled={busy}
            aria-label={`Remove ${name}`}
            onClick={() => write(`groups/${groupId}/members/${member.user.id}/`, { method: "DELETE" })}
          >
            Remove
          </button>
        )}
      </div>
      <FormErrors error={error} />
    </li>
  );
}

export function Members({
  groupId,
  first,
  viewerId,
  change,
  remove,
}: {
  groupId: number;
  first: Page<Member>;
  viewerId: number | null;
  change: boolean;
  remove: boolean;
}) {
  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members and roles</h2>
      <Rows
        path={manageListPath(groupId, "members")}
        first={first}
        noun="members"
        empty="No members."
        row={(member) =>
          member.user.id === viewerId ? (
            <li key={member.user.id} className="card manage-item">
              <p>
                <strong>{member.user.username}</strong> <span className="badge">{member.role}</span> (you)
              </p>
            </li>
          ) : (
            <MemberRow key={member.user.id} groupId={groupId} member={member} change={change} remove={remove} />
          )
        }
      />
    </section>
  );
}

function RequestRow({ groupId, request }: { groupId: number; request: JoinRequest }) {
  const { busy, error, write } = useWrite();
  const name = request.user.username;
  return (
    <li className="card manage-item" data-request={name}>
      <p>
        <strong>{name}</strong> asked <Time iso={request.created_at} />
      </p>
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={busy}
          aria-label={`Approve ${name}`}
          onClick={() => write(`groups/${groupId}/join-requests/${request.id}/approve/`, { method: "POST" })}
        >
          Approve
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={busy}
          aria-label={`Deny ${name}`}
          onClick={() => write(`groups/${groupId}/join-requests/${request.id}/deny/`, { method: "POST" })}
        >
          Deny
        </button>
      </div>
      <FormErrors error={error} />
    </li>
  );
}

export function JoinRequests({ groupId, first }: { groupId: number; first: Page<JoinRequest> }) {
  return (
    <section aria-labelledby="requests-heading">
      <h2 id="requests-heading">Requests to join</h2>
      <Rows
        path={manageListPath(groupId, "join-requests")}
        first={first}
        noun="requests"
        empty="No one is waiting."
        row={(request) => <RequestRow key={request.id} groupId={groupId} request={request} />}
      />
    </section>
  );
}

/** A username box that suggests the names the API knows (`users/?prefix=`) as one types. */
function UserName({ id, value, onChange }: { id: string; value: string; onChange: (value: string) => void }) {
  const [names, setNames] = useState<string[]>([]);
  const prefix = value.trim();
  useEffect(() => {
    if (!prefix) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api<{ username: string }[]>(`users/?prefix=${encodeURIComponent(prefix)}`, { signal: controller.signal }).then(
        (users) => setNames(users.map((user) => user.username)),
        () => undefined,
      );
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [prefix]);
  return (
    <>
      <input
        id={id}
        list={`${id}-names`}
        value={value}
        autoComplete="off"
        required
        onChange={(event) => onChange(event.target.value)}
      />
      <datalist id={`${id}-names`}>
        {(prefix ? names : []).map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
    </>
  );
}

function InvitationRow({ groupId, invitation }: { groupId: number; invitation: Invitation }) {
  const { busy, error, write } = useWrite();
  const name = invitation.user.username;
  return (
    <li className="card manage-item" data-invitation={name}>
      <p>
        <strong>{name}</strong>, invited by {invitation.invited_by?.username ?? "[deleted]"}{" "}
        <Time iso={invitation.created_at} />
      </p>
      <button
        type="button"
        className="button secondary"
        disabled={busy}
        aria-label={`Revoke the invitation of ${name}`}
        onClick={() => write(`groups/${groupId}/invitations/${invitation.id}/`, { method: "DELETE" })}
      >
        Revoke
      </button>
      <FormErrors error={error} />
    </li>
  );
}

export function Invitations({ groupId, first }: { groupId: number; first: Page<Invitation> }) {
  const { busy, error, write } = useWrite();
  const [user, setUser] = useState("");
  const id = useId();
  return (
    <section aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations</h2>
      <form
        className="card"
        aria-label="Invite someone"
        onSubmit={(event) => {
          event.preventDefault();
          void write(`groups/${groupId}/invitations/`, { method: "POST", body: { user: user.trim() } }, () => setUser(""));
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-user`}>Invite by username</label>
          <UserName id={`${id}-user`} value={user} onChange={setUser} />
        </div>
        <button type="submit" className="button" disabled={busy}>
          Invite
        </button>
        <FormErrors error={error} />
      </form>
      <Rows
        path={manageListPath(groupId, "invitations")}
        first={first}
        noun="invitations"
        empty="No pending invitations."
        row={(invitation) => <InvitationRow key={invitation.id} groupId={groupId} invitation={invitation} />}
      />
    </section>
  );
}

/** What became of a sign-up link, from the API's fields. */
function linkState(invitation: SignupInvitation): React.ReactNode {
  if (invitation.revoked_at) return <>Revoked <Time iso={invitation.revoked_at} /></>;
  if (invitation.usable) return <>Works until <Time iso={invitation.expires_at} /></>;
  if (invitation.uses >= invitation.max_uses) return "Used up";
  return <>Expired <Time iso={invitation.expires_at} /></>;
}

function SignupInvitationRow({ groupId, invitation }: { groupId: number; invitation: SignupInvitation }) {
  const { busy, error, write } = useWrite();
  return (
    <li className="card manage-item" data-signup-invitation={invitation.id}>
      <p>
        <strong>Link {invitation.id}</strong>, made by {invitation.created_by?.username ?? "[deleted]"}{" "}
        <Time iso={invitation.created_at} />: {invitation.uses} of {invitation.max_uses} sign-ups used
      </p>
      <p className="muted">{linkState(invitation)}</p>
      {!invitation.revoked_at && invitation.usable && (
        <button
          type="button"
          className="button secondary"
          disabled={busy}
          aria-label={`Revoke link ${invitation.id}`}
          onClick={() => write(`groups/${groupId}/signup-invitations/${invitation.id}/`, { method: "DELETE" })}
        >
          Revoke
        </button>
      )}
      <FormErrors error={error} />
    </li>
  );
}

/** The link just made, shown this once (the API keeps only a digest of its key). */
function NewLink({ created }: { created: SignupInvitationCreated }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const id = useId();
  return (
    <div className="card" role="status">
      <p>
        <strong>Your new sign-up link.</strong> Copy it now: it is shown only this once. It lets in{" "}
        {created.max_uses === 1 ? "one sign-up" : `${created.max_uses} sign-ups`} until <Time iso={created.expires_at} />,
        and whoever signs up with it joins this group.
      </p>
      <div className="field">
        <label htmlFor={id}>Sign-up link</label>
        <input id={id} readOnly value={created.link} onFocus={(event) => event.currentTarget.select()} />
      </div>
      <div className="actions">
        <button
          type="button"
          className="button"
          onClick={() =>
            navigator.clipboard.writeText(created.link).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          Copy the link
        </button>
        {copied === true && <span>Copied.</span>}
        {copied === false && <span>Could not copy: select the link and copy it.</span>}
      </div>
    </div>
  );
}

export function SignupInvitations({ groupId, first }: { groupId: number; first: Page<SignupInvitation> }) {
  const { busy, error, write } = useWrite();
  const [maxUses, setMaxUses] = useState("1");
  const [days, setDays] = useState("");
  const [created, setCreated] = useState<SignupInvitationCreated | null>(null);
  const id = useId();
  async function make(event: React.FormEvent) {
    event.preventDefault();
    setCreated(null);
    const body: SignupInvitationCreateRequest = { max_uses: Number(maxUses) };
    if (days.trim()) body.days = Number(days);
    await write(`groups/${groupId}/signup-invitations/`, { method: "POST", body }, undefined, (data) =>
      setCreated(data as SignupInvitationCreated),
    );
  }
  return (
    <section aria-labelledby="signup-invitations-heading">
      <h2 id="signup-invitations-heading">Sign-up links</h2>
      <p className="muted">A link for people without an account: whoever signs up with it joins this group.</p>
      <form className="card" aria-label="Make a sign-up link" onSubmit={make}>
        <div className="field">
          <label htmlFor={`${id}-uses`}>How many sign-ups it lets in</label>
          <input
            id={`${id}-uses`}
            type="number"
            min={1}
            required
            value={maxUses}
            onChange={(event) => setMaxUses(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-days`}>For how many days (optional; empty: the site's default)</label>
          <input id={`${id}-days`} type="number" min={1} value={days} onChange={(event) => setDays(event.target.value)} />
        </div>
        <button type="submit" className="button" disabled={busy}>
          Make a link
        </button>
        <FormErrors error={error} />
      </form>
      {created && <NewLink created={created} />}
      <Rows
        path={manageListPath(groupId, "signup-invitations")}
        first={first}
        noun="links"
        empty="No sign-up links."
        row={(invitation) => <SignupInvitationRow key={invitation.id} groupId={groupId} invitation={invitation} />}
      />
    </section>
  );
}

function BanRow({ groupId, ban }: { groupId: number; ban: Ban }) {
  const { busy, error, write } = useWrite();
  const name = ban.user.username;
  return (
    <li className="card manage-item" data-ban={name}>
      <p>
        <strong>{name}</strong>, banned by {ban.banned_by?.username ?? "[deleted]"} <Time iso={ban.created_at} />
        {ban.reason && <> — {ban.reason}</>}
      </p>
      <p className="muted">{ban.expires_at ? <>Until <Time iso={ban.expires_at} /></> : "Until lifted"}</p>
      <button
        type="button"
        className="button secondary"
        disabled={busy}
        aria-label={`Unban ${name}`}
        onClick={() => write(`groups/${groupId}/bans/${ban.user.id}/`, { method: "DELETE" })}
      >
        Unban
      </button>
      <FormErrors error={error} />
    </li>
  );
}

export function Bans({ groupId, first }: { groupId: number; first: Page<Ban> }) {
  const { busy, error, write } = useWrite();
  const [user, setUser] = useState("");
  const [reason, setReason] = useState("");
  const [until, setUntil] = useState("");
  const id = useId();
  return (
    <section aria-labelledby="bans-heading">
      <h2 id="bans-heading">Bans</h2>
      <form
        className="card"
        aria-label="Ban someone"
        onSubmit={(event) => {
          event.preventDefault();
          const body: Record<string, string> = { user: user.trim(), reason };
          // datetime-local is the reader's local time: sent as an instant.
          if (until) body.expires_at = new Date(until).toISOString();
          void write(`groups/${groupId}/bans/`, { method: "POST", body }, () => {
            setUser("");
            setReason("");
            setUntil("");
          });
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-user`}>Ban by username</label>
          <UserName id={`${id}-user`} value={user} onChange={setUser} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-reason`}>Reason</label>
          <input id={`${id}-reason`} value={reason} onChange={(event) => setReason(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-until`}>Until (optional; empty: until lifted)</label>
          <input id={`${id}-until`} type="datetime-local" value={until} onChange={(event) => setUntil(event.target.value)} />
        </div>
        <button type="submit" className="button danger" disabled={busy}>
          Ban
        </button>
        <FormErrors error={error} />
      </form>
      <Rows
        path={manageListPath(groupId, "bans")}
        first={first}
        noun="bans"
        empty="Nobody is banned."
        row={(ban) => <BanRow key={ban.user.id} groupId={groupId} ban={ban} />}
      />
    </section>
  );
}

export function Settings({ group, update, archive }: { group: Group; update: boolean; archive: boolean }) {
  const router = useRouter();
  const saving = useWrite();
  const archiving = useWrite();
  const [name, setName] = useState(group.name);
  const [description, setDescription] = useState(group.description);
  const [tags, setTags] = useState(group.tags.join(", "));
  const [visibility, setVisibility] = useState<string>(group.visibility);
  const [confirming, setConfirming] = useState(false);
  const [saved, setSaved] = useState(false);
  const id = useId();
  return (
    <section aria-labelledby="settings-heading">
      <h2 id="settings-heading">Settings</h2>
      {update && (
        <form
          className="card"
          aria-label="The group's settings"
          onSubmit={(event) => {
            event.preventDefault();
            setSaved(false);
            void saving.write(
              `groups/${group.id}/`,
              { method: "PATCH", body: { name, description, tags: parseTags(tags), visibility } },
              () => setSaved(true),
            );
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input id={`${id}-name`} value={name} required onChange={(event) => setName(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-about`}>About</label>
            <textarea id={`${id}-about`} rows={3} value={description} onChange={(event) => setDescription(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-tags`}>Tags (separated by commas)</label>
            <input id={`${id}-tags`} value={tags} onChange={(event) => setTags(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-visibility`}>Visibility</label>
            <select id={`${id}-visibility`} value={visibility} onChange={(event) => setVisibility(event.target.value)}>
              <option value="public">Public: anyone sees and joins it</option>
              <option value="private">Private: joining needs approval</option>
              <option value="secret">Secret: by invitation only, unseen by others</option>
            </select>
          </div>
          <button type="submit" className="button" disabled={saving.busy}>
            Save settings
          </button>
          {saved && (
            <p role="status" className="muted">
              Saved.
            </p>
          )}
          <FormErrors error={saving.error} />
        </form>
      )}
      {archive && (
        <div className="card">
          <h3>Archive the group</h3>
          <p className="muted">An archived group is gone from Divan for everyone, its posts with it.</p>
          {confirming ? (
            <div className="actions" role="group" aria-label="Confirm archiving">
              <span>Archive {group.name} for good?</span>
              <button
                type="button"
                className="button danger"
                disabled={archiving.busy}
                onClick={() =>
                  archiving.write(`groups/${group.id}/`, { method: "DELETE" }, () => router.push("/groups"))
                }
              >
                Yes, archive it
              </button>
              <button type="button" className="button secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" className="button danger" onClick={() => setConfirming(true)}>
              Archive group…
            </button>
          )}
          <FormErrors error={archiving.error} />
        </div>
      )}
    </section>
  );
}
