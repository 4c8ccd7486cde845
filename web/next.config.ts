import type { NextConfig } from "next";

const config: NextConfig = {
  // Django's URLs end in a slash: the API proxy (src/app/api/[...path]/route.ts) passes paths
  // through as they are, so Next must not redirect /api/x/ to /api/x.
  skipTrailingSlashRedirect: true,
  poweredByHeader: false,
  reactStrictMode: true,
  images: { unoptimized: true },
  // forbidden(): a page answers 403 where the API refuses the person (lib/server.ts).
  experimental: { authInterrupts: true },
};

export default config;
