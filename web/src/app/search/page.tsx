// Search: posts and comments the viewer may read, the first page read on the server as them.
import type { Metadata } from "next";
import type { Page, SearchResult } from "@/api/types";
import { FailedRead } from "@/components/FailedRead";
import { Results } from "@/components/SearchResults";
import { Empty } from "@/components/States";
import { searchPath } from "@/lib/paths";
import { read } from "@/lib/server";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Search" };

export default async function SearchPage({
  searchParams,
}: {
  searchParams: Promise<{ q?: string | string[] }>;
}) {
  const { q: given } = await searchParams;
  const q = (Array.isArray(given) ? given[0] : (given ?? "")).trim();
  const answer = q ? await read<Page<SearchResult>>(searchPath(q)) : null;
  return (
    <div className="search-page">
      <h1>{q ? <>Results for “{q}”</> : "Search"}</h1>
      {!answer ? (
        <Empty>Type words in the search box above.</Empty>
      ) : answer.ok ? (
        <Results key={q} q={q} first={answer.data} />
      ) : (
        <FailedRead status={answer.status} body={answer.body} />
      )}
    </div>
  );
}
