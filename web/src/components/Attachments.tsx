import type { Attachment } from "@/api/types";

function kib(size: number): string {
  return size >= 1024 * 1024 ? `${(size / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(size / 1024)} KB`;
}

export function Attachments({ items }: { items: Attachment[] | undefined }) {
  if (!items?.length) return null;
  return (
    <ul className="attachments" aria-label="Attachments">
      {items.map((item) => (
        <li key={item.id}>
          {item.processing ? (
            <span className="badge">{item.filename}: processing…</span>
          ) : item.thumbnail_url ? (
            <a href={item.url ?? undefined} target="_blank" rel="noreferrer">
              {/* eslint-disable-next-line @next/next/no-img-element */}
              <img
                src={item.thumbnail_url}
                alt={item.filename}
                width={item.width && item.height ? Math.min(240, item.width) : undefined}
                loading="lazy"
              />
            </a>
          ) : (
            <a href={item.url ?? undefined} target="_blank" rel="noreferrer">
              {item.filename} ({kib(item.size)})
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}
