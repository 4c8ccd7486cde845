"use client";
// The composer of posts and comments: text (a title and tags for posts), files uploaded from
// the browser straight to storage with a progress bar, and one Idempotency-Key per submit, kept
// with the draft until the server answers (see lib/idempotency.ts).
import { useEffect, useId, useRef, useState } from "react";
import type { Upload } from "@/api/types";
import { ApiError, api } from "@/lib/api";
import { draftClear, draftLoad, draftSave, submitKey, submitSettled } from "@/lib/idempotency";
import { uploadFile } from "@/lib/upload";
import { FormErrors } from "./States";

interface FileState {
  local: string;
  name: string;
  progress: number;
  upload?: Pick<Upload, "id" | "filename">;
  error?: string;
}

interface Draft {
  title: string;
  body: string;
  tags: string;
  files: FileState[];
}

const EMPTY: Draft = { title: "", body: "", tags: "", files: [] };

export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[,\s]+/).map((tag) => tag.replace(/^#/, "").trim()).filter(Boolean))];
}

export function Composer<T>({
  form,
  path,
  kind,
  parent,
  onCreated,
  onCancel,
  autoFocus,
}: {
  form: string;
  path: string;
  kind: "post" | "comment";
  parent?: number;
  onCreated: (created: T) => void;
  onCancel?: () => void;
  autoFocus?: boolean;
}) {
  const id = useId();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [restored, setRestored] = useState(false);
  const submitting = useRef(false);

  useEffect(() => {
    const saved = draftLoad<Draft>(sessionStorage, form);
    if (saved) setDraft({ ...saved, files: saved.files.filter((file) => file.upload) });
    setRestored(true);
  }, [form]);

  useEffect(() => {
    if (!restored) return;
    if (draft === EMPTY) draftClear(sessionStorage, form);
    else draftSave(sessionStorage, form, draft);
  }, [draft, form, restored]);

  const update = (change: Partial<Draft>) => setDraft((old) => ({ ...old, ...change }));
  const setFile = (local: string, change: Partial<FileState>) =>
    setDraft((old) => ({
      ...old,
      files: old.files.map((file) => (file.local === local ? { ...file, ...change } : file)),
    }));

  async function addFiles(list: FileList | null) {
    for (const file of Array.from(list ?? [])) {
      const local = crypto.randomUUID();
      setDraft((old) => ({ ...old, files: [...old.files, { local, name: file.name, progress: 0 }] }));
      uploadFile(file, (progress) => setFile(local, { progress })).then(
        (upload) => setFile(local, { progress: 1, upload: { id: upload.id, filename: upload.filename } }),
        (failure: unknown) =>
          setFile(local, {
            error: failure instanceof ApiError ? failure.message : "The upload failed.",
          }),
      );
    }
  }

  const uploading = draft.files.some((file) => !file.upload && !file.error);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (submitting.current || uploading) return;
    submitting.current = true;
    setBusy(true);
    setError(null);
    const key = submitKey(sessionStorage, form);
    const attachments = draft.files.flatMap((file) => (file.upload ? [file.upload.id] : []));
    const body =
      kind === "post"
        ? { title: draft.title, body: draft.body, tags: parseTags(draft.tags), attachments }
        : { body: draft.body, attachments, ...(parent ? { parent } : {}) };
    try {
      const created = await api<T>(path, { method: "POST", body, idempotencyKey: key });
      submitSettled(sessionStorage, form);
      setDraft(EMPTY);
      onCreated(created);
    } catch (failure) {
      const apiError = failure instanceof ApiError ? failure : new ApiError(0, null);
      if (!apiError.outcomeUnknown) submitSettled(sessionStorage, form);
      setError(apiError);
    } finally {
      submitting.current = false;
      setBusy(false);
    }
  }

  const noun = kind === "post" ? "post" : parent ? "reply" : "comment";
  return (
    <form className="composer" onSubmit={submit} aria-label={`Write a ${noun}`}>
      {kind === "post" && (
        <div className="field">
          <label htmlFor={`${id}-title`}>Title</label>
          <input
            id={`${id}-title`}
            value={draft.title}
            maxLength={300}
            onChange={(event) => update({ title: event.target.value })}
          />
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-body`}>{kind === "post" ? "What's on your mind?" : `Your ${noun}`}</label>
        <textarea
          id={`${id}-body`}
          value={draft.body}
          rows={kind === "post" ? 4 : 3}
          required
          autoFocus={autoFocus}
          onChange={(event) => update({ body: event.target.value })}
        />
      </div>
      {kind === "post" && (
        <div className="field">
          <label htmlFor={`${id}-tags`}>Tags (separated by commas)</label>
          <input
            id={`${id}-tags`}
            value={draft.tags}
            placeholder="books, fiction"
            onChange={(event) => update({ tags: event.target.value })}
          />
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-files`}>Attach files</label>
        <input
          id={`${id}-files`}
          type="file"
          multiple
          onChange={(event) => {
            addFiles(event.target.files);
            event.target.value = "";
          }}
        />
        {draft.files.length > 0 && (
          <ul className="uploads">
            {draft.files.map((file) => (
              <li key={file.local}>
                <span>{file.name}</span>
                {file.error ? (
                  <span className="inline-error" role="alert">
                    {file.error}
                  </span>
                ) : file.upload ? (
                  <span className="badge ok">Uploaded</span>
                ) : (
                  <progress value={file.progress} max={1} aria-label={`Uploading ${file.name}`}>
                    {Math.round(file.progress * 100)}%
                  </progress>
                )}
                <button
                  type="button"
                  className="link"
                  onClick={() =>
                    setDraft((old) => ({
                      ...old,
                      files: old.files.filter((other) => other.local !== file.local),
                    }))
                  }
                >
                  Remove<span className="visually-hidden"> {file.name}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <FormErrors error={error} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy || uploading}>
          {busy ? "Sending…" : kind === "post" ? "Post" : parent ? "Reply" : "Comment"}
        </button>
        {onCancel && (
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
