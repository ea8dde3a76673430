import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { pino } from "pino";
import { RequestLogger } from "./request-logger.ts";

describe("the request logger", () => {
  const sink = () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    });
    return { lines, stream };
  };

  test("makes no child until something is logged at an enabled level", () => {
    const { lines, stream } = sink();
    const log = new RequestLogger(pino({ level: "warn" }, stream), { reqId: "r-1" }, {});
    log.info("not written");
    log.debug({ a: 1 }, "not written");
    assert.equal(log.created, false);
    assert.equal(log.level, "warn");
    assert.equal(log.isLevelEnabled("info"), false);
    log.warn({ thing: 2 }, "written");
    assert.equal(log.created, true);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.reqId, "r-1");
    assert.equal(lines[0]?.thing, 2);
    assert.equal(lines[0]?.msg, "written");
  });

  test("writes what the child would, with its own level when one is given, and makes children of the child", () => {
    const { lines, stream } = sink();
    const parent = pino({ level: "info" }, stream);
    const log = new RequestLogger(parent, { reqId: "r-2" }, { level: "error" });
    log.warn("below the request's level");
    assert.equal(log.created, false);
    log.error("written");
    log.child({ part: "x" }).error("from a child");
    assert.deepEqual(
      lines.map((l) => [l.reqId, l.part, l.msg]),
      [
        ["r-2", undefined, "written"],
        ["r-2", "x", "from a child"],
      ],
    );
  });
});
