// End-to-end tests: real Chromium (Debian's, through playwright-core) against the real stack,
// started by e2e/stack.ts: PostgreSQL, Redis, gunicorn, a Celery worker with beat, the hub.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    globalSetup: ["e2e/stack.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
