import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { Redis } from "ioredis";
import { freePort, startDaemon } from "../test/daemon.ts";
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from "./rate-limiter.ts";

// The same behaviour from both stores. Redis runs when REDIS_URL is set (CI sets it).

function behaves(name: string, make: () => { limiter: RateLimiter; advance?: (ms: number) => void }) {
  describe(name, () => {
    test("allows up to the limit, then says how long to wait", async () => {
      const { limiter } = make();
      const key = `k-${Math.random()}`;
      for (let i = 0; i < 3; i++) assert.equal((await limiter.consume(key, 3, 60_000)).allowed, true);
      const d = await limiter.consume(key, 3, 60_000);
      assert.equal(d.allowed, false);
      assert.ok(d.retryAfterSeconds > 0 && d.retryAfterSeconds <= 60, String(d.retryAfterSeconds));
      assert.equal((await limiter.consume(`${key}-other`, 3, 60_000)).allowed, true, "keys are separate");
    });

    test("peek counts nothing; hit always counts; reset forgets", async () => {
      const { limiter } = make();
      const key = `p-${Math.random()}`;
      assert.equal((await limiter.peek(key, 1, 60_000)).allowed, true);
      assert.equal((await limiter.peek(key, 1, 60_000)).allowed, true);
      await limiter.hit(key, 60_000);
      assert.equal((await limiter.peek(key, 1, 60_000)).allowed, false);
      await limiter.reset(key);
      assert.equal((await limiter.peek(key, 1, 60_000)).allowed, true);
    });

    test("an attempt taken back no longer counts; only that one", async () => {
      const { limiter } = make();
      const key = `b-${Math.random()}`;
      const first = await limiter.consume(key, 2, 60_000);
      const second = await limiter.consume(key, 2, 60_000);
      assert.ok(first.attempt && second.attempt, "a counted attempt says which it was");
      assert.equal(
        (await limiter.consume(key, 2, 60_000)).attempt,
        undefined,
        "a refused one counts nothing",
      );
      await limiter.takeBack(key, second.attempt);
      assert.equal((await limiter.peek(key, 2, 60_000)).allowed, true);
      const third = await limiter.consume(key, 2, 60_000);
      assert.equal(third.allowed, true);
      assert.equal((await limiter.peek(key, 2, 60_000)).allowed, false, "the first still counts");
    });
  });
}

let now = 1_000_000;
const memory = new MemoryRateLimiter(() => now);
behaves("in memory", () => ({ limiter: memory, advance: (ms) => (now += ms) }));

test("in memory: the window slides", async () => {
  const key = "slide";
  for (let i = 0; i < 2; i++) await memory.consume(key, 2, 1000);
  assert.equal((await memory.consume(key, 2, 1000)).allowed, false);
  now += 1001;
  assert.equal((await memory.consume(key, 2, 1000)).allowed, true);
});

test("in memory: only the attempts older than the window expire, and the wait is exact", async () => {
  const key = "partial";
  for (let i = 0; i < 5; i++) {
    await memory.consume(key, 5, 10_000);
    now += 1000; // attempts at t, t+1 s, … t+4 s
  }
  now += 6000; // t+11 s: the first two are out of the window, three remain
  assert.equal((await memory.consume(key, 5, 10_000)).allowed, true);
  assert.equal((await memory.consume(key, 5, 10_000)).allowed, true);
  const d = await memory.consume(key, 5, 10_000);
  assert.equal(d.allowed, false);
  // The oldest that counts is t+2 s; it leaves the window at t+12 s, one second from now.
  assert.equal(d.retryAfterSeconds, 1);
});

test("in memory: a clock set back still counts every attempt", async () => {
  const key = "clock-back";
  await memory.consume(key, 3, 60_000);
  now -= 5000;
  await memory.consume(key, 3, 60_000);
  now += 5000;
  await memory.consume(key, 3, 60_000);
  assert.equal((await memory.consume(key, 3, 60_000)).allowed, false);
});

if (process.env.REDIS_URL) {
  const redis = new Redis(process.env.REDIS_URL);
  const limiter = new RedisRateLimiter(redis, `portico:test:${process.pid}:`);
  after(() => limiter.close());
  behaves("in Redis", () => ({ limiter }));

  test("in Redis: concurrent processes cannot both take the last slot", async () => {
    const other = new RedisRateLimiter(
      new Redis(process.env.REDIS_URL as string),
      `portico:test:${process.pid}:`,
    );
    const key = `race-${Math.random()}`;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? limiter : other).consume(key, 10, 60_000)),
    );
    assert.equal(results.filter((r) => r.allowed).length, 10);
    await other.close();
  });

  test("in Redis: an error answer on a healthy connection falls back for that request only", async () => {
    const other = new RedisRateLimiter(
      new Redis(process.env.REDIS_URL as string),
      `portico:test:${process.pid}:`,
    );
    try {
      // A key of the wrong type makes the script answer WRONGTYPE while the connection is fine.
      const broken = `wrongtype-${Math.random()}`;
      await redis.set(`portico:test:${process.pid}:${broken}`, "not a window", "EX", 60);
      assert.equal((await limiter.consume(broken, 1, 60_000)).allowed, true);
      // The next key is counted in Redis again: one slot, shared by both processes.
      const key = `after-error-${Math.random()}`;
      assert.equal((await limiter.consume(key, 1, 60_000)).allowed, true);
      assert.equal((await other.consume(key, 1, 60_000)).allowed, false);
    } finally {
      await other.close();
    }
  });
}

describe("in Redis, while Redis is unreachable", () => {
  test("no request fails: the limits are counted in this process's memory, and it says so once", async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const limiter = new RedisRateLimiter(
      new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 2, lazyConnect: false }),
      "portico:test:down:",
      Date.now,
      { onUnavailable: (err) => warnings.push(err.message) },
    );
    try {
      const key = `down-${Math.random()}`;
      for (let i = 0; i < 3; i++) assert.equal((await limiter.consume(key, 3, 60_000)).allowed, true);
      assert.equal((await limiter.consume(key, 3, 60_000)).allowed, false, "the limit still holds");
      await limiter.hit(key, 60_000);
      assert.equal((await limiter.peek(key, 3, 60_000)).allowed, false);
      await limiter.reset(key);
      assert.equal((await limiter.peek(key, 3, 60_000)).allowed, true);
      const counted = await limiter.consume(key, 1, 60_000);
      await limiter.takeBack(key, counted.attempt as string);
      assert.equal((await limiter.peek(key, 1, 60_000)).allowed, true, "taken back in memory too");
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0] as string, /ECONNREFUSED|connect/);
    } finally {
      await limiter.close();
    }
  });

  test("once Redis answers again, the windows are shared again", async (t) => {
    if (!fs.existsSync("/usr/bin/redis-server")) return t.skip("redis-server is not installed");
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-redis-"));
    const start = () =>
      startDaemon({
        name: "Redis",
        command: "/usr/bin/redis-server",
        args: [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--dir",
          dir,
        ],
        dir: fs.mkdtempSync(path.join(dir, "run-")),
        port,
        ready: () => canConnect(port),
        timeoutMs: 10_000,
        pollMs: 50,
      });
    let recovered = false;
    const limiter = new RedisRateLimiter(
      new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 2, retryStrategy: () => 100 }),
      "portico:test:back:",
      Date.now,
      {
        onRecovered: () => {
          recovered = true;
        },
      },
    );
    const other = new Redis({ port, host: "127.0.0.1", retryStrategy: () => 100 });
    other.on("error", () => {});
    try {
      const key = `back-${Math.random()}`;
      assert.equal((await limiter.consume(key, 5, 60_000)).allowed, true, "counted in memory while down");
      const redis = await start();
      try {
        const deadline = Date.now() + 10_000;
        while (!recovered && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.ok(recovered, "the limiter noticed Redis is back");
        await limiter.consume(key, 5, 60_000);
        assert.equal(await other.zcard(`portico:test:back:${key}`), 1, "the attempt is in Redis");
      } finally {
        await redis.stop();
      }
    } finally {
      other.disconnect();
      await limiter.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
