"use client";
// Reactions on a post or a comment: each kind with its count; pressing one adds or removes
// yours, and the counts are then read back from the server (exact, others' included).
import { useEffect, useState } from "react";
import { ApiError, api } from "@/lib/api";
import { useSession } from "@/lib/session";

export const KINDS: [string, string, string][] = [
  ["like", "👍", "Like"],
  ["love", "❤️", "Love"],
  ["laugh", "😂", "Laugh"],
  ["wow", "😮", "Wow"],
  ["sad", "😢", "Sad"],
  ["angry", "😠", "Angry"],
];

interface Reactable {
  id: number;
  reaction_counts: Record<string, number>;
  my_reactions: string[];
}

export function Reactions({
  target,
  on,
  canReact,
}: {
  target: Reactable;
  on: "posts" | "comments";
  canReact: boolean;
}) {
  const { user } = useSession();
  const [counts, setCounts] = useState(target.reaction_counts ?? {});
  const [mine, setMine] = useState<string[]>(target.my_reactions ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const enabled = Boolean(user) && canReact && !busy;

  // Fresh counts from the page (live events, a refresh): others' reactions too. Each on its own:
  // counts that change by an event leave the viewer's own reactions as they pressed them.
  const countsKey = JSON.stringify(target.reaction_counts ?? {});
  const mineKey = JSON.stringify(target.my_reactions ?? []);
  useEffect(() => {
    if (busy) return;
    setCounts(JSON.parse(countsKey));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [countsKey]);
  useEffect(() => {
    if (busy) return;
    setMine(JSON.parse(mineKey));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mineKey]);

  async function toggle(kind: string) {
    const had = mine.includes(kind);
    setBusy(true);
    setError(null);
    try {
      const base = `${on}/${target.id}/reactions/`;
      if (had) await api(`${base}?kind=${kind}`, { method: "DELETE" });
      else
        await api(base, {
          method: "POST",
          body: { kind },
          idempotencyKey: crypto.randomUUID(),
        });
      const fresh = await api<Reactable>(`${on}/${target.id}/`);
      setCounts(fresh.reaction_counts ?? {});
      setMine(fresh.my_reactions ?? []);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="reactions">
      {KINDS.map(([kind, emoji, label]) => {
        const count = counts[kind] ?? 0;
        if (!enabled && count === 0) return null;
        const pressed = mine.includes(kind);
        return (
          <button
            key={kind}
            type="button"
            className={pressed ? "reaction pressed" : "reaction"}
            aria-pressed={pressed}
            aria-label={`${label}: ${count}`}
            disabled={!enabled}
            onClick={() => toggle(kind)}
            data-kind={kind}
          >
            <span aria-hidden="true">{emoji}</span> <span className="count">{count}</span>
          </button>
        );
      })}
      {error && (
        <span className="inline-error" role="alert">
          {error.message}
        </span>
      )}
    </div>
  );
}
