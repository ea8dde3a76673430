import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { guardedLookup } from "./webhook-send.ts";

// The resolver webhook connections use: a name is connected to only through addresses it may
// reach. "localhost" stands for any name that resolves inside the network.

const resolve = (hostname: string, allowed: string[]) =>
  new Promise<{ err: Error | null; address: string }>((done) => {
    guardedLookup(allowed)(hostname, { family: 0 }, (err, address) =>
      done({ err, address: String(address) }),
    );
  });

describe("the webhook resolver", () => {
  it("refuses a name that resolves to an internal address", async () => {
    const got = await resolve("localhost", []);
    assert.match(String(got.err?.message), /internal address/);
  });

  it("lets through a name the operator listed, with what it resolves to", async () => {
    const got = await resolve("localhost", ["localhost"]);
    assert.equal(got.err, null);
    assert.match(got.address, /^(127\.0\.0\.1|::1)$/);
  });

  it("lets through an internal address inside a listed range, and no other", async () => {
    assert.equal((await resolve("localhost", ["127.0.0.0/8", "::1"])).err, null);
    assert.match(String((await resolve("localhost", ["10.0.0.0/8"])).err?.message), /internal address/);
  });
});
