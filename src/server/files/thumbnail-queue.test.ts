import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Jimp } from "jimp";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { reserveThumbnailSlot } from "./thumbnail.ts";

// Thumbnails under load: an image that finds the decoding queue full gets no thumbnail, and its
// file is not even read back (the memory a waiting image would hold is what the queue bounds).

let t: TestEnv;
let photo: Buffer;
before(async () => {
  t = await testEnv();
  photo = await new Jimp({ width: 300, height: 200, color: 0x3366ccff }).getBuffer("image/png");
});
after(() => t.close());

describe("thumbnail queue", () => {
  test("a full queue: the upload succeeds without a thumbnail and its file is never read", async () => {
    const team = await makeTeam(t);
    const store = t.ctx.files.store;
    const get = store.get.bind(store);
    let reads = 0;
    store.get = (key) => {
      reads++;
      return get(key);
    };
    const upload = async (name: string) => {
      const res = await t.app.inject({
        method: "POST",
        url: `/api/workspace/uploads?name=${name}`,
        headers: { ...team.agent.headers, "content-type": "application/octet-stream" },
        payload: photo,
      });
      assert.equal(res.statusCode, 201, res.body);
      const id = (res.json() as { id: string }).id;
      const row = await t.ctx.database.db
        .selectFrom("attachments")
        .select("thumb_key")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return row.thumb_key;
    };
    try {
      // Every place taken, the way a burst of uploads would take them.
      const held: (() => void)[] = [];
      for (let r = reserveThumbnailSlot(); r; r = reserveThumbnailSlot()) held.push(r);
      assert.ok(held.length > 0 && held.length <= 64, "the queue has a bound");
      assert.equal(await upload("full.png"), null, "no thumbnail while the queue is full");
      assert.equal(reads, 0, "the image was not read back");
      for (const release of held) release();
      assert.ok(await upload("room.png"), "with room again the image gets its thumbnail");
      assert.equal(reads, 1, "read once, in its turn");
    } finally {
      store.get = get;
    }
  });

  test("an upload waits a few seconds at most; a slow thumbnail is recorded after the answer", async () => {
    const team = await makeTeam(t);
    const store = t.ctx.files.store;
    const get = store.get.bind(store);
    // The image's read back is held for 6 s, as behind a long queue or a slow disk.
    store.get = async (key) => {
      await sleep(6_000);
      return get(key);
    };
    const thumbKey = (id: string) =>
      t.ctx.database.db
        .selectFrom("attachments")
        .select("thumb_key")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
    try {
      const started = Date.now();
      const res = await t.app.inject({
        method: "POST",
        url: "/api/workspace/uploads?name=slow.png",
        headers: { ...team.agent.headers, "content-type": "application/octet-stream" },
        payload: photo,
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.ok(Date.now() - started < 5_500, `answered after ${Date.now() - started} ms`);
      const id = (res.json() as { id: string }).id;
      assert.equal((await thumbKey(id)).thumb_key, null);
      let key: string | null = null;
      for (let i = 0; i < 100 && !key; i++) {
        await sleep(100);
        key = (await thumbKey(id)).thumb_key;
      }
      assert.ok(key, "the thumbnail arrives once made");
    } finally {
      store.get = get;
    }
  });
});
