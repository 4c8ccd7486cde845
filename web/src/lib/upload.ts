// A file from the browser straight to storage: start an upload (Divan checks name, type and
// size and answers a presigned POST), POST the file to that URL with its fields (progress from
// XMLHttpRequest), then ask Divan to complete it (it checks what arrived).
import type { Upload, UploadStarted } from "@/api/types";
import { ApiError, api } from "./api";

export type Progress = (fraction: number) => void;

function postForm(url: string, form: FormData, onProgress: Progress): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve();
      } else {
        let body: unknown = null;
        try {
          body = JSON.parse(request.responseText);
        } catch {
          body = { detail: "Storage refused the file." };
        }
        reject(new ApiError(request.status, body));
      }
    };
    request.onerror = () => reject(new ApiError(0, null));
    request.send(form);
  });
}

export async function uploadFile(file: File, onProgress: Progress): Promise<Upload> {
  const started = await api<UploadStarted>("uploads/", {
    method: "POST",
    body: {
      filename: file.name,
      content_type: file.type || "application/octet-stream",
      size: file.size,
    },
    idempotencyKey: crypto.randomUUID(),
  });
  const form = new FormData();
  for (const [name, value] of Object.entries(started.upload.fields ?? {})) {
    form.append(name, String(value));
  }
  form.append("file", file);
  await postForm(started.upload.url, form, onProgress);
  const done = await api<Upload>(`uploads/${started.id}/complete/`, { method: "POST" });
  if (done.status === "rejected") {
    throw new ApiError(400, { detail: done.reason || "The file was refused." });
  }
  return done;
}
