// django-allauth's headless API for browsers (/api/_allauth/browser/v1/, proxied like the rest of
// /api/): sign-up, sign-in and its two-factor step, verification, password reset and change,
// the address, two-factor setup. It works on the same session cookie and CSRF token as the rest
// of the hub's calls (lib/api.ts). Its answers are an envelope, {status, data?, meta?, errors?};
// a 401 is an answer like any other ("not signed in, and these flows may follow").
import type { components } from "@/api/allauth";
import { ApiError, csrfForget, csrfToken } from "./api";

type A = components["schemas"];
export type AuthUser = A["User"];
export type Flow = A["Flow"];
export type EmailAddress = A["EmailAddress"];
export type Authenticator = A["AuthenticatorList"][number];
export type RecoveryCodes = A["SensitiveRecoveryCodesAuthenticator"];
export type AuthError = NonNullable<A["ErrorResponse"]["errors"]>[number];

export const AUTH = "/api/_allauth/browser/v1/";

export interface AuthAnswer<D = Record<string, unknown>> {
  status: number;
  data?: D & { flows?: Flow[]; user?: AuthUser };
  meta?: { is_authenticated?: boolean; [key: string]: unknown };
  errors?: AuthError[];
}

/**
 * A 401 to someone signed in: the action needs their password again (allauth's
 * reauthentication, which it asks for when it decides).
 */
export class ReauthenticationRequired extends ApiError {
  constructor() {
    super(401, { detail: "Confirm it is you: enter your password." });
  }
}

function isReauthentication(status: number, body: AuthAnswer<unknown> | null): boolean {
  return status === 401 && body?.meta?.is_authenticated === true;
}

export interface AuthCallOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Calls allauth's `path` (under AUTH). Returns its answer when it is a 2xx or a 401 (signed out,
 * or a flow pending); throws ReauthenticationRequired for a 401 to someone signed in, and
 * ApiError for everything else (400 with its errors, 403, 409, 429, 5xx, no answer).
 */
export async function auth<D = Record<string, unknown>>(
  path: string,
  options: AuthCallOptions = {},
): Promise<AuthAnswer<D>> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      if (method !== "GET") headers["X-CSRFToken"] = await csrfToken();
      response = await fetch(AUTH + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, null);
    }
    const body: AuthAnswer<D> | null = await response.json().catch(() => null);
    // Django's CSRF refusal is an HTML page, not allauth's JSON: the token changed (a sign-in
    // in another tab); ask for the new one and send once more.
    if (response.status === 403 && body === null && method !== "GET" && attempt === 0) {
      csrfForget();
      continue;
    }
    if (isReauthentication(response.status, body)) throw new ReauthenticationRequired();
    if (response.ok || response.status === 401) return body ?? { status: response.status };
    throw new ApiError(response.status, body);
  }
}

/** The flow an answer says is waiting for the person (two-factor, verification), if any. */
export function pendingFlow(answer: AuthAnswer): Flow | null {
  return answer.data?.flows?.find((flow) => flow.is_pending) ?? null;
}

/** The allauth error codes of a refusal (for pages that say what happened in their heading). */
export function errorCodes(body: unknown): string[] {
  const errors = (body as { errors?: AuthError[] } | null)?.errors;
  return Array.isArray(errors) ? errors.map((error) => error.code) : [];
}
