import type { Metadata, Viewport } from "next";
import { Header } from "@/components/Header";
import { LiveProvider } from "@/lib/live";
import { unreadCount, viewer } from "@/lib/server";
import { SessionProvider } from "@/lib/session";
import { UnreadProvider } from "@/lib/unread";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Divan", template: "%s · Divan" },
  description: "Divan: communities for every interest.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // The bell's count with the session, at once: no round trip after the other.
  const [user, unread] = await Promise.all([viewer(), unreadCount()]);
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip">
          Skip to content
        </a>
        <SessionProvider initialUser={user}>
          <LiveProvider>
            <UnreadProvider initial={user ? unread : null}>
              <Header />
              <main id="main">{children}</main>
            </UnreadProvider>
          </LiveProvider>
        </SessionProvider>
      </body>
    </html>
  );
}
