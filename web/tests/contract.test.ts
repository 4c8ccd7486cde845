// The contract: the hub's API types are exactly what the backend's schema generates now. A
// backend change that changes the API fails here until the types are generated again (and the
// hub's code that uses them type-checks against the new ones).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script, without types of its own
import { ALLAUTH_TYPES, TYPES, generate, generateAllauth } from "../scripts/generate-api-types.mjs";

describe("the API contract", () => {
  it("has the checked-in types equal to the ones the schema generates", async () => {
    const checkedIn = readFileSync(TYPES, "utf8");
    const generated = await generate();
    expect(
      generated === checkedIn,
      "web/src/api/schema.d.ts is out of date: run `cd web && npm run generate:api`",
    ).toBe(true);
  }, 60_000);

  it("has allauth's checked-in types equal to the ones its document generates", async () => {
    const checkedIn = readFileSync(ALLAUTH_TYPES, "utf8");
    const generated = await generateAllauth();
    expect(
      generated === checkedIn,
      "web/src/api/allauth.d.ts is out of date: run `cd web && npm run generate:api`",
    ).toBe(true);
  }, 60_000);

  it("describes the endpoints the hub reads", () => {
    const types = readFileSync(TYPES, "utf8");
    for (const path of [
      "/api/communities/v1/feed/",
      "/api/communities/v1/groups/{group_pk}/posts/",
      "/api/communities/v1/uploads/",
    ]) {
      expect(types).toContain(`"${path}"`);
    }
  });
});
