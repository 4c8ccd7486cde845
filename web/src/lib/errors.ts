// DRF's error shape in words: {"detail": "..."}, {"field": ["...", ...]}, nested lists and
// objects (e.g. {"attachments": {"0": ["..."]}}), and {"non_field_errors": [...]}; and
// django-allauth's: {"status": 400, "errors": [{"message", "code", "param"?}]}. A throttled
// answer (429 with Retry-After) says how long to wait, in minutes or hours rather than seconds.

const LABELS: Record<string, string> = {
  non_field_errors: "",
  detail: "",
  title: "Title",
  body: "Text",
  tags: "Tags",
  attachments: "Attachments",
  username: "Username",
  password: "Password",
  email: "Email",
  name: "Name",
  slug: "Address",
  description: "About",
  visibility: "Visibility",
  filename: "File name",
  content_type: "File type",
  size: "File size",
  reason: "Reason",
  q: "Search",
  current_password: "Current password",
  new_password: "New password",
  code: "Code",
  key: "",
  invitation: "",
  token: "",
};

function label(field: string): string {
  if (field in LABELS) return LABELS[field];
  if (/^\d+$/.test(field)) return `#${Number(field) + 1}`;
  return field.charAt(0).toUpperCase() + field.slice(1).replaceAll("_", " ");
}

function collect(value: unknown, prefix: string, out: string[]): void {
  if (typeof value === "string") {
    if (!value.trim()) return;
    out.push(prefix ? `${prefix}: ${value}` : value);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, prefix, out);
  } else if (value && typeof value === "object") {
    for (const [field, inner] of Object.entries(value)) {
      const name = label(field);
      collect(inner, [prefix, name].filter(Boolean).join(" "), out);
    }
  }
}

type AllauthError = { message: string; code?: string; param?: string };

function allauthErrors(body: unknown): AllauthError[] | null {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return null;
  return errors.filter((error): error is AllauthError => typeof error?.message === "string");
}

/**
 * A wait of `seconds` in words, rounded up, in the largest unit that counts at least two:
 * "100 seconds", "5 minutes", "24 hours", "3 days".
 */
export function waitInWords(seconds: number): string {
  const units: [number, string][] = [
    [86_400, "day"],
    [3_600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  const [size, name] = units.find(([unit]) => seconds >= unit * 2) ?? units[units.length - 1];
  const count = Math.max(1, Math.ceil(seconds / size));
  return `${count} ${name}${count === 1 ? "" : "s"}`;
}

/** Retry-After's seconds (RFC 9110: a number of seconds, or an HTTP date), or null. */
export function retryAfterSeconds(header: string | null | undefined, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * The messages of an error answer, each a sentence a person can read. `retryAfter`: the
 * answer's Retry-After header, which a throttled answer (429) is said by.
 */
export function errorMessages(status: number, body: unknown, retryAfter?: string | null): string[] {
  const wait = status === 429 ? retryAfterSeconds(retryAfter) : null;
  if (wait !== null) return [`Too many attempts in a short time: try again in ${waitInWords(wait)}.`];
  const out: string[] = [];
  const errors = allauthErrors(body);
  if (errors) {
    for (const error of errors) collect(error.message, error.param ? label(error.param) : "", out);
  } else {
    collect(body, "", out);
  }
  if (out.length) return out;
  if (status === 0) return ["Could not reach Divan. Check your connection and try again."];
  if (status === 401 || status === 403) return ["You may not do that."];
  if (status === 404) return ["Not found."];
  if (status === 429) return ["Too many requests: wait a moment and try again."];
  if (status >= 500) return ["Something went wrong on our side. Try again in a moment."];
  return [`The request failed (${status}).`];
}
