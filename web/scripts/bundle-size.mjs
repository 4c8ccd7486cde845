// The JavaScript a page of the built hub makes the browser load, compressed (gzip, level 9),
// read from the build output (.next/): Next's and React's runtime (build-manifest.json's
// rootMainFiles) and the chunks of the page's own entries, the root layout's and its own (its
// client reference manifest). The pages are rendered per request, so there is no prerendered
// HTML to read them from. `node scripts/bundle-size.mjs` prints the landing page's figure beside
// its 200 KB budget and beside the floor, the scripts that every page loads.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import vm from "node:vm";

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NEXT = join(WEB, ".next");
export const BUDGET_BYTES = 200 * 1024;

/** The entries' chunks of the app page `page` ("/page", "/g/[id]/page"), by entry name. */
function entryFiles(page) {
  const file = join(NEXT, "server", "app", `${page.replace(/^\//, "")}_client-reference-manifest.js`);
  if (!existsSync(file)) throw new Error("no build: run `npx next build` in web/ first");
  const context = { self: {} };
  context.globalThis = context;
  vm.runInNewContext(readFileSync(file, "utf8"), context);
  return context.__RSC_MANIFEST[page].entryJSFiles;
}

/** The script paths (/_next/static/...js) the page `page` loads. */
export function scriptsOf(page) {
  const runtime = JSON.parse(readFileSync(join(NEXT, "build-manifest.json"), "utf8")).rootMainFiles;
  const entries = entryFiles(page);
  const own = Object.entries(entries)
    .filter(([name]) => name.endsWith("/src/app/layout") || name.endsWith(`/src/app${page}`))
    .flatMap(([, files]) => files);
  return [...new Set([...runtime, ...own])].map((file) => `/_next/${file}`).sort();
}

export function gzipBytes(scripts) {
  let raw = 0;
  let gzip = 0;
  for (const script of scripts) {
    const bytes = readFileSync(join(NEXT, script.replace("/_next/", "")));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

/** The landing page's JavaScript, and the floor every page shares (the runtime and the layout's). */
export function landing() {
  const scripts = scriptsOf("/page");
  const everyPage = scriptsOf("/_not-found/page");
  return { scripts, page: gzipBytes(scripts), floor: gzipBytes(everyPage) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { scripts, page, floor } = landing();
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log("Hub: the landing page's JavaScript (from the build output, gzip -9)");
  console.log(`  landing page      ${kb(page.gzip)} compressed (${kb(page.raw)} raw), ${scripts.length} scripts`);
  console.log(`  budget            ${kb(BUDGET_BYTES)}: ${(page.gzip / BUDGET_BYTES).toFixed(2)} of it`);
  console.log(`  floor (every page: React and Next's runtime) ${kb(floor.gzip)}: the landing page is ${(page.gzip / floor.gzip).toFixed(2)}x it`);
  if (page.gzip > BUDGET_BYTES) process.exitCode = 1;
}
