// The hub's one way to call Divan: same-origin requests to /api/... (proxied to the backend),
// the session cookie sent by the browser, the CSRF token on every write, an Idempotency-Key on
// creates, and failures as ApiError with the server's own words.
import { errorMessages } from "./errors";
import { outcomeUnknown } from "./idempotency";

export const API = "/api/communities/v1/";

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly messages: string[];

  constructor(status: number, body: unknown) {
    const messages = errorMessages(status, body);
    super(messages.join(" "));
    this.status = status;
    this.body = body;
    this.messages = messages;
  }

  /** Whether the server may have done it anyway: no answer, a gateway's, or still running. */
  get outcomeUnknown(): boolean {
    return outcomeUnknown(this.status) || inFlight(this.status, this.body);
  }
}

function detailOf(body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  return typeof detail === "string" ? detail : "";
}

function inFlight(status: number, body: unknown): boolean {
  return status === 409 && detailOf(body).includes("still being processed");
}

function csrfRefused(status: number, body: unknown): boolean {
  return status === 403 && detailOf(body).startsWith("CSRF Failed");
}

let csrf: Promise<string> | null = null;

/** Keep the CSRF token the session endpoint gave (it changes at sign-in and sign-out). */
export function csrfSet(token: string): void {
  csrf = Promise.resolve(token);
}

/** Forget it: a sign-in in another tab rotated it; the next write asks for the new one. */
export function csrfForget(): void {
  csrf = null;
}

/** The session's CSRF token, read once from the session endpoint and kept. */
export function csrfToken(): Promise<string> {
  if (!csrf) {
    csrf = fetch("/api/auth/session/", { credentials: "same-origin", cache: "no-store" })
      .then((response) => response.json())
      .then((session: { csrf_token: string }) => session.csrf_token)
      .catch((error) => {
        csrf = null;
        throw error;
      });
  }
  return csrf;
}

export interface CallOptions {
  method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** `path` under the communities API, unless it starts with "/". */
export function apiUrl(path: string): string {
  return path.startsWith("/") ? path : API + path;
}

const IN_FLIGHT_RETRIES = 20;

export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
  let csrfRetried = false;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      if (method !== "GET") headers["X-CSRFToken"] = await csrfToken();
      response = await fetch(apiUrl(path), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: "same-origin",
        cache: "no-store",
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ApiError(0, null);
    }
    if (response.status === 204) return null as T;
    const parsed: { data: unknown } | null = await response.json().then(
      (data: unknown) => ({ data }),
      () => null,
    );
    // A success whose body did not arrive whole: the outcome is unknown, as with no answer.
    if (parsed === null && response.ok) throw new ApiError(0, null);
    const data = parsed?.data ?? null;
    // The same key's first request is still running (a double submit): wait for its answer.
    if (options.idempotencyKey && inFlight(response.status, data) && attempt < IN_FLIGHT_RETRIES) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    if (method !== "GET" && csrfRefused(response.status, data) && !csrfRetried) {
      csrfRetried = true;
      csrfForget();
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data as T;
  }
}

