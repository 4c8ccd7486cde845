"use client";
// A list in a page whose read failed on the server (the API down, a 500), shown in its place: the
// error in words, and a retry that reads the page again. (A page's own subject that fails is
// the page's error: app/error.tsx.)
import { useRouter } from "next/navigation";
import { ApiError } from "@/lib/api";
import { ErrorBox } from "./States";

export function FailedRead({ status, body }: { status: number; body: unknown }) {
  const router = useRouter();
  return <ErrorBox error={new ApiError(status, body)} onRetry={() => router.refresh()} />;
}
