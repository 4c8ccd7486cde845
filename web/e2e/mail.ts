// The mail the stack sent, as its mail catcher kept it: one .eml file per mail in the folder
// stack.ts gave it. A test waits (with a deadline) for a mail to an address and follows its links.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";

export interface Mail {
  file: string;
  to: string;
  subject: string;
  /** The plain text part, decoded. */
  text: string;
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** The headers, and the first text/plain part's body of a (possibly multipart) mail. */
function parse(file: string, raw: string): Mail {
  const [head] = raw.split(/\r?\n\r?\n/, 1);
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const header = (name: string) =>
    new RegExp(`^${name}:\\s*(.*)$`, "im").exec(unfolded)?.[1]?.trim() ?? "";
  let text = raw.slice(head.length).trimStart();
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(unfolded)?.[1];
  if (boundary) {
    const parts = raw.split(`--${boundary}`);
    const plain = parts.find((part) => /content-type:\s*text\/plain/i.test(part)) ?? "";
    const [partHead] = plain.split(/\r?\n\r?\n/, 1);
    text = plain.slice(partHead.length).trim();
    if (/content-transfer-encoding:\s*quoted-printable/i.test(partHead)) text = decodeQuotedPrintable(text);
    else if (/content-transfer-encoding:\s*base64/i.test(partHead)) text = Buffer.from(text, "base64").toString("utf8");
  } else if (/content-transfer-encoding:\s*quoted-printable/i.test(unfolded)) {
    text = decodeQuotedPrintable(text);
  } else if (/content-transfer-encoding:\s*base64/i.test(unfolded)) {
    text = Buffer.from(text, "base64").toString("utf8");
  }
  return { file, to: header("To"), subject: header("Subject"), text };
}

/** Every mail the catcher has kept so far, oldest first. */
export function mails(): Mail[] {
  const dir = inject("mailDir");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".eml"))
    .sort()
    .map((name) => parse(name, readFileSync(join(dir, name), "utf8")));
}

/**
 * The first mail to `address` whose subject matches and that is not in `seen` (file names of
 * mails a test already read), once it has arrived: the worker sends mail after the commit.
 */
export async function mailTo(
  address: string,
  subject: RegExp,
  { seen = new Set<string>(), seconds = 30 }: { seen?: Set<string>; seconds?: number } = {},
): Promise<Mail> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const found = mails().find(
      (mail) => mail.to.includes(address) && subject.test(mail.subject) && !seen.has(mail.file),
    );
    if (found) {
      seen.add(found.file);
      return found;
    }
    if (Date.now() > deadline) {
      const kept = mails().map((mail) => `${mail.to}: ${mail.subject}`);
      throw new Error(`no mail to ${address} matching ${subject} within ${seconds} s; kept: ${kept.join("; ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The first link in a mail's text that starts with `prefix` (the hub's address and a path). */
export function linkIn(mail: Mail, prefix: string): string {
  const link = mail.text.match(/https?:\/\/\S+/g)?.find((url) => url.startsWith(prefix));
  if (!link) throw new Error(`no link to ${prefix} in the mail "${mail.subject}":\n${mail.text}`);
  return link;
}
