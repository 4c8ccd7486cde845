import type { Metadata } from "next";
import { ResetRequest } from "@/components/account/ResetRequest";

export const metadata: Metadata = { title: "Forgot your password?" };

export default function PasswordResetPage() {
  return <ResetRequest />;
}
