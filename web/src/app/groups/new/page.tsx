"use client";
// Starting a group: one Idempotency-Key per submit, like every create.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import type { Group, Visibility } from "@/api/types";
import { parseTags } from "@/components/Composer";
import { FormErrors, Loading } from "@/components/States";
import { ApiError, api } from "@/lib/api";
import { useSession } from "@/lib/session";

export default function NewGroupPage() {
  const { user, ready } = useSession();
  const router = useRouter();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [visibility, setVisibility] = useState<Visibility>("public");
  const [tags, setTags] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submitting = useRef(false);
  // One key per submit, kept while the outcome is unknown (a retry sends it again).
  const key = useRef<string | null>(null);

  if (!ready) return <Loading />;
  if (!user)
    return (
      <p className="state">
        <Link href="/signin">Sign in</Link> to start a group.
      </p>
    );

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (submitting.current) return;
    submitting.current = true;
    setBusy(true);
    setError(null);
    try {
      const group = await api<Group>("groups/", {
        method: "POST",
        body: { name, description, visibility, tags: parseTags(tags) },
        idempotencyKey: (key.current ??= crypto.randomUUID()),
      });
      key.current = null;
      router.push(`/g/${group.id}`);
    } catch (failure) {
      const apiError = failure instanceof ApiError ? failure : new ApiError(0, null);
      if (!apiError.outcomeUnknown) key.current = null;
      setError(apiError);
      setBusy(false);
    } finally {
      submitting.current = false;
    }
  }

  return (
    <section className="card narrow" aria-labelledby="new-group-heading">
      <h1 id="new-group-heading">Start a group</h1>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="group-name">Name</label>
          <input id="group-name" required value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="group-description">About</label>
          <textarea
            id="group-description"
            rows={3}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <fieldset className="field">
          <legend>Who can see it</legend>
          {(
            [
              ["public", "Public: anyone sees it and its posts, anyone may join"],
              ["private", "Private: anyone sees it, members see its posts, joining needs approval"],
              ["secret", "Secret: only members know it exists"],
            ] as [Visibility, string][]
          ).map(([value, label]) => (
            <label key={value} className="choice">
              <input
                type="radio"
                name="visibility"
                value={value}
                checked={visibility === value}
                onChange={() => setVisibility(value)}
              />{" "}
              {label}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="group-tags">Tags (separated by commas)</label>
          <input id="group-tags" value={tags} onChange={(e) => setTags(e.target.value)} />
        </div>
        <FormErrors error={error} />
        <button type="submit" className="button" disabled={busy}>
          Start the group
        </button>
      </form>
    </section>
  );
}
