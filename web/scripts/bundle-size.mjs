// The JavaScript a page of the built hub makes the browser load, compressed (gzip, level 9),
// read from the build output (.next/): every /_next/static/*.js its prerendered HTML names.
// `node scripts/bundle-size.mjs` prints the landing page's figure beside its 200 KB budget and
// beside the floor, the scripts that every page loads (React and Next's runtime).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NEXT = join(WEB, ".next");
export const BUDGET_BYTES = 200 * 1024;

function pagesHtml() {
  const app = join(NEXT, "server", "app");
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".html")) found.push(path);
    }
  };
  walk(app);
  return found;
}

/** The script paths (/_next/static/...js) the prerendered page at `html` loads. */
export function scriptsOf(html) {
  const text = readFileSync(html, "utf8");
  return [...new Set(text.match(/\/_next\/static\/[^"'\s\\]+\.js/g) ?? [])].sort();
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

/** The landing page's JavaScript, and the floor every page shares. */
export function landing() {
  const index = join(NEXT, "server", "app", "index.html");
  if (!existsSync(index)) throw new Error("no build: run `npx next build` in web/ first");
  const scripts = scriptsOf(index);
  const everyPage = pagesHtml()
    .map(scriptsOf)
    .reduce((shared, page) => shared.filter((script) => page.includes(script)));
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
