import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { hashToken, looksLikeToken, newToken } from "./tokens.ts";

describe("tokens", () => {
  test("are URL-safe, of the asked size, and never repeat across pool refills", () => {
    const seen = new Set<string>();
    // Several times the pool's 4 KB, in a mix of sizes, so refills happen mid-way.
    for (let i = 0; i < 1000; i++) {
      const bytes = i % 3 === 0 ? 16 : 32;
      const t = newToken(bytes);
      assert.match(t, /^[A-Za-z0-9_-]+$/);
      assert.equal(Buffer.from(t, "base64url").length, bytes);
      assert.ok(looksLikeToken(t));
      assert.ok(!seen.has(t), "a token repeated");
      seen.add(t);
    }
    assert.equal(Buffer.from(newToken(1024), "base64url").length, 1024);
  });

  test("are stored as their SHA-256 in hex", () => {
    const t = newToken();
    assert.equal(hashToken(t), createHash("sha256").update(t).digest("hex"));
  });
});
