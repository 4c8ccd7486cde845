// A path that is not valid percent-encoded UTF-8 is the client's error, refused by the hub's
// server (server.mjs) before Next routes it: Next itself would answer 500.
import { describe, expect, it } from "vitest";
import { HUB } from "./browser";
import { send } from "./http";

describe("paths that cannot be decoded", () => {
  it("are a 400 in DRF's shape under /api/", async () => {
    for (const path of ["/api/%ff", "/api/communities/v1/groups/%E0%A4%A/"]) {
      const answer = await send(HUB(), path);
      expect([path, answer.status]).toEqual([path, 400]);
      expect(answer.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(answer.body)).toEqual({ detail: "The path is not valid percent-encoded UTF-8." });
    }
  });

  it("are a 400 page for pages", async () => {
    for (const path of ["/g/%ff", "/p/%E0%A4%A"]) {
      const answer = await send(HUB(), path);
      expect([path, answer.status]).toEqual([path, 400]);
      expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(answer.body).toContain("<h1>Bad request</h1>");
    }
  });

  it("leave well-formed escapes alone", async () => {
    const missing = await send(HUB(), "/api/communities/v1/groups/%E0%A4%A4/");
    expect(missing.status).toBe(404); // decoded, routed, and answered by Django
    const search = await send(HUB(), "/search?q=%E0%A4%A4");
    expect(search.status).toBe(200);
  });
});

describe("what a client may not write", () => {
  it("a target that is no path is a 400, not a 500", async () => {
    const answer = await send(HUB(), "*", { method: "OPTIONS" });
    expect(answer.status).toBe(400);
  });

  it("X-Forwarded-Proto and -Host are the hub's, not the client's", async () => {
    const answer = await send(HUB(), "/api/communities/v1/groups/?page_size=1", {
      headers: { "x-forwarded-proto": "https", "x-forwarded-host": "elsewhere.example" },
    });
    expect(answer.status).toBe(200);
    const next: string = JSON.parse(answer.body).next;
    expect(next.startsWith(`${HUB()}/api/communities/v1/groups/?`)).toBe(true);
  });
});
