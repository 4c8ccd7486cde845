// One Idempotency-Key per submit of a form, kept (with the form's draft) in sessionStorage
// until the server has answered: a double click, a retry after a network error or a reload of
// the page sends the same key again, and the server gives back the one thing it created.
// Any answer from the server settles the key: a success creates nothing more, a refusal
// created nothing, so the next submit is a new one.

export interface KeyStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const keyName = (form: string) => `divan:idempotency:${form}`;
const draftName = (form: string) => `divan:draft:${form}`;

function newKey(): string {
  return crypto.randomUUID();
}

/** The key of the submit under way for `form`: the one kept, or a new one, kept now. */
export function submitKey(store: KeyStore, form: string): string {
  const kept = store.getItem(keyName(form));
  if (kept) return kept;
  const key = newKey();
  store.setItem(keyName(form), key);
  return key;
}

/** The server answered (created, or refused): the next submit gets a new key. */
export function submitSettled(store: KeyStore, form: string): void {
  store.removeItem(keyName(form));
}

/** Whether a failure leaves the submit's outcome unknown (so its key must be kept). */
export function outcomeUnknown(status: number): boolean {
  return status === 0 || status === 502 || status === 503 || status === 504;
}

export function draftSave<T>(store: KeyStore, form: string, draft: T): void {
  store.setItem(draftName(form), JSON.stringify(draft));
}

export function draftLoad<T>(store: KeyStore, form: string): T | null {
  const raw = store.getItem(draftName(form));
  if (!raw) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

export function draftClear(store: KeyStore, form: string): void {
  store.removeItem(draftName(form));
}

/** Forget every key and draft: another person signs in or out in this tab. */
export function formsForget(store: KeyStore & { readonly length: number; key(index: number): string | null }): void {
  const names: string[] = [];
  for (let index = 0; index < store.length; index++) {
    const name = store.key(index);
    if (name?.startsWith("divan:")) names.push(name);
  }
  for (const name of names) store.removeItem(name);
}
