import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { Redis } from "ioredis";
import type { LiveEvent } from "../ports.ts";
import { openRedisLiveBus, RedisLiveBus } from "./redis-bus.ts";

// Two buses stand for two processes on one Redis: what one publishes, the other's listeners hear.

const REDIS_URL = process.env.REDIS_URL;

/** The next event a bus's listeners hear. */
const nextOn = (bus: { subscribe(l: (e: LiveEvent) => void): () => void }) =>
  new Promise<LiveEvent>((resolve) => {
    const stop = bus.subscribe((e) => {
      stop();
      resolve(e);
    });
  });

describe("RedisLiveBus", {
  skip: REDIS_URL ? false : "REDIS_URL is not set: no Redis to share events over",
}, () => {
  test("an event published on one process is heard once on every process, its own included", async () => {
    const channel = `portico:test:live:${randomUUID()}`;
    const a = await openRedisLiveBus(REDIS_URL as string, { channel });
    const b = await openRedisLiveBus(REDIS_URL as string, { channel });
    try {
      await Promise.all([a.ready(), b.ready()]);
      const heardA: LiveEvent[] = [];
      a.subscribe((e) => heardA.push(e));
      const onB = nextOn(b);
      const event: LiveEvent = { workspaceId: "w1", topic: "ticket", reference: "TKT-0042" };
      a.publish(event);
      assert.deepEqual(await onB, event);
      // A marker from b, heard by a after a's own: a heard its own event once, not echoed back.
      const onA = nextOn(a);
      b.publish({ workspaceId: "w1", topic: "queue" });
      await onA;
      assert.deepEqual(
        heardA.map((e) => e.topic),
        ["ticket", "queue"],
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("while Redis is unreachable, local delivery goes on and the outage is said once", async () => {
    let said = 0;
    // A port nothing listens on: every connection attempt fails.
    const dead = "redis://127.0.0.1:1";
    const pub = new Redis(dead, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    const sub = new Redis(dead, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    const bus = new RedisLiveBus(pub, sub, { onUnavailable: () => said++ });
    try {
      const heard = nextOn(bus);
      bus.publish({ workspaceId: "w1", topic: "ticket", reference: "TKT-0001" });
      assert.equal((await heard).reference, "TKT-0001");
      // Several failed attempts later, still one line.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(said, 1);
    } finally {
      await bus.close();
    }
  });
});
