import type { Metadata, Viewport } from "next";
import { Header } from "@/components/Header";
import { LiveProvider } from "@/lib/live";
import { streamPosition, unreadCount, viewer } from "@/lib/server";
import { SessionProvider } from "@/lib/session";
import { UnreadProvider } from "@/lib/unread";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Divan", template: "%s · Divan" },
  description: "Divan: communities for every interest.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // The bell's count and where the live stream stands, with the session, at once: no round
  // trip after another.
  const [user, unread, position] = await Promise.all([viewer(), unreadCount(), streamPosition()]);
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip">
          Skip to content
        </a>
        <SessionProvider initialUser={user}>
          <LiveProvider from={user ? position : null}>
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
