"use client";
// Search results: posts and comments the viewer may read, with the matched words marked.
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";
import type { SearchResult } from "@/api/types";
import { Empty, ErrorBox, Loading } from "@/components/States";
import { usePages } from "@/lib/hooks";
import { snippetParts } from "@/lib/snippet";

function Snippet({ html }: { html: string }) {
  return (
    <p className="snippet">
      {snippetParts(html).map((part, index) =>
        part.marked ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
      )}
    </p>
  );
}

function Results() {
  const q = (useSearchParams().get("q") ?? "").trim();
  const results = usePages<SearchResult>(q ? `search/?q=${encodeURIComponent(q)}` : null);
  return (
    <div className="search-page">
      <h1>{q ? <>Results for “{q}”</> : "Search"}</h1>
      {!q && <Empty>Type words in the search box above.</Empty>}
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
    </div>
  );
}

export default function SearchPage() {
  return (
    <Suspense fallback={<Loading />}>
      <Results />
    </Suspense>
  );
}
