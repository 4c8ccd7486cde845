import type { Metadata } from "next";
import { RegisterForm } from "@/components/RegisterForm";

export const metadata: Metadata = { title: "Join Divan" };

export default function RegisterPage() {
  return <RegisterForm />;
}
