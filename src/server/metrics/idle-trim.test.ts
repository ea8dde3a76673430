import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { fullCollection, IdleTrim } from "./idle-trim.ts";

describe("idle trim", () => {
  it("collects once per quiet period, never in a period with requests", async () => {
    const server = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let collections = 0;
    const trim = new IdleTrim(server, () => {
      collections++;
    });
    try {
      trim.tick(); // the first look: nothing to compare with yet
      assert.equal(collections, 0);
      trim.tick(); // a whole period without a request
      assert.equal(collections, 1);
      trim.tick(); // still quiet: already collected
      trim.tick();
      assert.equal(collections, 1);
      await (await fetch(`${base}/`)).text();
      trim.tick(); // a request came in this period
      assert.equal(collections, 1);
      await (await fetch(`${base}/`)).text();
      trim.tick();
      assert.equal(collections, 1);
      trim.tick(); // quiet again
      assert.equal(collections, 2);
      assert.equal(trim.trims, 2);
    } finally {
      trim.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("runs V8's full collection without exposing gc to the app", () => {
    const collect = fullCollection();
    assert.equal(typeof collect, "function");
    collect();
    assert.equal((globalThis as { gc?: unknown }).gc, undefined);
  });
});
