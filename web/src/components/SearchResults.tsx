"use client";
// Search results: posts and comments the viewer may read, with the matched words marked; the
// first page from the server, later ones read here.
import Link from "next/link";
import type { Page, SearchResult } from "@/api/types";
import { usePages } from "@/lib/hooks";
import { searchPath } from "@/lib/paths";
import { snippetParts } from "@/lib/snippet";
import { Empty, ErrorBox, Loading } from "./States";

function Snippet({ html }: { html: string }) {
  return (
    <p className="snippet">
      {snippetParts(html).map((part, index) =>
        part.marked ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
      )}
    </p>
  );
}

export function Results({ q, first }: { q: string; first: Page<SearchResult> }) {
  const results = usePages<SearchResult>(searchPath(q), first);
  return (
    <>
      {results.error && <ErrorBox error={results.error} onRetry={results.reload} />}
      <ol className="results">
        {results.items.map((result) => (
          <li key={`${result.type}:${result.id}`} className="card">
            <h2>
              <Link href={`/p/${result.post_id}${result.type === "comment" ? "#comments" : ""}`}>
                {result.title || (result.type === "comment" ? "A comment" : "A post")}
              </Link>
            </h2>
            <p className="meta">
              {result.type === "comment" ? "Comment" : "Post"} in{" "}
              <Link href={`/g/${result.group.id}`}>{result.group.name}</Link>
            </p>
            <Snippet html={result.snippet} />
          </li>
        ))}
      </ol>
      {q && results.loading && <Loading label="Searching…" />}
      {q && !results.loading && !results.error && results.items.length === 0 && (
        <Empty>Nothing matches “{q}”.</Empty>
      )}
      {q && !results.done && !results.loading && !results.error && (
        <button type="button" className="button secondary" onClick={results.loadMore}>
          More results
        </button>
      )}
    </>
  );
}

