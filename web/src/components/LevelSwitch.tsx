"use client";
// How much a group or a post's thread notifies you: watching, default or muted, as the API
// answers for you (`groups/{id}/notification-level/`, `posts/{id}/notification-level/`), with a
// line on what the current level means. A change is sent at once and the server's answer shown.
import { useId, useState } from "react";
import type { Level, PostLevel } from "@/api/types";
import { ApiError, api } from "@/lib/api";
import { FormErrors } from "./States";

const GROUP: Record<Level, [string, string]> = {
  watching: ["Watch", "Watching: you are told of every new post in this group."],
  default: ["Default", "Default: you are told of replies to you and mentions of you."],
  muted: ["Mute", "Muted: nothing from this group notifies you, mentions included."],
};

const POST: Record<Level, string> = {
  watching: "Watch",
  default: "Default",
  muted: "Mute the thread",
};

/** A post's state in a word or two: "Watching", "Not watching", "Muted". */
export function postLevelState(level: PostLevel): string {
  if (level.level === "muted") return "Muted";
  return level.watching ? "Watching" : "Not watching";
}

function postLevelLine(level: PostLevel): string {
  if (level.level === "muted") return "Nothing in this thread notifies you, replies and mentions included.";
  if (level.watching) return "You are told of every comment in this thread.";
  return "You are told of replies to you and mentions of you.";
}

const LEVELS: Level[] = ["watching", "default", "muted"];

function useLevel<T extends { level: Level }>(path: string, initial: T) {
  const [state, setState] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function choose(level: Level) {
    setBusy(true);
    setError(null);
    try {
      setState(await api<T>(path, { method: "PUT", body: { level } }));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }
  return { state, busy, error, choose };
}

/** The three levels as toggle buttons, the current one pressed. */
function LevelButtons(props: {
  current: Level;
  busy: boolean;
  choose: (level: Level) => void;
  label: (level: Level) => string;
  groupLabel?: string;
}) {
  return (
    <div className="switch" {...(props.groupLabel ? { role: "group", "aria-label": props.groupLabel } : {})}>
      {LEVELS.map((level) => (
        <button
          key={level}
          type="button"
          className={props.current === level ? "button" : "button secondary"}
          aria-pressed={props.current === level}
          disabled={props.busy}
          onClick={() => props.choose(level)}
        >
          {props.label(level)}
        </button>
      ))}
    </div>
  );
}

export function GroupLevelSwitch({ groupId, initial }: { groupId: number; initial: Level }) {
  const id = useId();
  const { state, busy, error, choose } = useLevel(`groups/${groupId}/notification-level/`, { level: initial });
  return (
    <div className="level-switch" role="group" aria-labelledby={`${id}-label`}>
      <p id={`${id}-label`}>
        <strong>Notifications from this group</strong>
      </p>
      <LevelButtons
        current={state.level}
        busy={busy}
        choose={choose}
        label={(level) => GROUP[level][0]}
      />
      <p className="muted" role="status" aria-live="polite">
        {GROUP[state.level][1]}
      </p>
      <FormErrors error={error} />
    </div>
  );
}

export function PostLevelSwitch({ postId, initial }: { postId: number; initial: PostLevel }) {
  const id = useId();
  const { state, busy, error, choose } = useLevel<PostLevel>(`posts/${postId}/notification-level/`, initial);
  return (
    <section className="card level-switch" aria-labelledby={`${id}-label`}>
      <p id={`${id}-label`}>
        <strong>This thread: </strong>
        <span className="badge" data-level-state>
          {postLevelState(state)}
        </span>
      </p>
      <p className="muted" role="status" aria-live="polite">
        {postLevelLine(state)}
      </p>
      <LevelButtons
        current={state.level}
        busy={busy}
        choose={choose}
        label={(level) => POST[level]}
        groupLabel="Notifications from this thread"
      />
      <FormErrors error={error} />
    </section>
  );
}
