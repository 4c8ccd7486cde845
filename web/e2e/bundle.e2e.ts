// The landing page's JavaScript stays under its budget, read from the build the stack made
// (`make bench` prints the figure; see scripts/bundle-size.mjs).
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script, without types of its own
import { BUDGET_BYTES, landing } from "../scripts/bundle-size.mjs";

describe("the landing page's JavaScript", () => {
  it("is under 200 KB compressed", () => {
    const { page, scripts } = landing();
    expect(scripts.length).toBeGreaterThan(0);
    expect(page.gzip).toBeLessThan(BUDGET_BYTES);
  });
});
