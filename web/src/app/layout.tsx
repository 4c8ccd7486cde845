import type { Metadata, Viewport } from "next";
import { Header } from "@/components/Header";
import { viewer } from "@/lib/server";
import { SessionProvider } from "@/lib/session";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Divan", template: "%s · Divan" },
  description: "Divan: communities for every interest.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const user = await viewer();
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip">
          Skip to content
        </a>
        <SessionProvider initialUser={user}>
          <Header />
          <main id="main">{children}</main>
        </SessionProvider>
      </body>
    </html>
  );
}
