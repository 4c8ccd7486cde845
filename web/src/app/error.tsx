"use client";
// A page that could not be shown: its own read failed (the API down, a 5xx, a 429; see
// lib/server.ts `subject()`), or the hub itself failed. What went wrong in words, and a retry
// that reads the page again. Next sends an empty document with the status, and the browser
// renders this in the layout.
import { readFailure } from "@/lib/readFailure";

const OURS = "Something went wrong on our side. Try again in a moment.";

export default function PageError({ error, retry }: { error: Error & { digest?: string }; retry: () => void }) {
  const failure = readFailure(error.digest);
  const messages = failure?.messages.length ? failure.messages : [OURS];
  return (
    <section className="page-error" aria-labelledby="page-error-title">
      <h1 id="page-error-title">{failure?.status === 429 ? "Too many requests" : "This page could not be shown"}</h1>
      <div className="error" role="alert">
        {messages.map((message) => (
          <p key={message}>{message}</p>
        ))}
      </div>
      <button type="button" className="button" onClick={retry}>
        Try again
      </button>
    </section>
  );
}
