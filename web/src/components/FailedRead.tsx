"use client";
// A page's read that failed on the server for a reason other than 404 or 403 (the API down, a
// 500): the error in words, and a retry that reads the page again.
import { useRouter } from "next/navigation";
import { ApiError } from "@/lib/api";
import { ErrorBox } from "./States";

export function FailedRead({ status, body }: { status: number; body: unknown }) {
  const router = useRouter();
  return <ErrorBox error={new ApiError(status, body)} onRetry={() => router.refresh()} />;
}
