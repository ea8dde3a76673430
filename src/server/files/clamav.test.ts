import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfig } from "../config.ts";
import type { FileScanner } from "../ports.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { createClamAvScanner } from "./clamav.scanner.ts";
import {
  EICAR,
  EICAR_SIGNATURE,
  hasClamd,
  NO_CLAMD,
  startClamd,
  type TestClamd,
} from "./clamd.test-support.ts";

// Malware scanning against a real clamd (clamd.test-support.ts: Debian's clamav-daemon with a
// database of one signature, the EICAR test file's). Every upload surface goes through the one
// scanner hook, so the public upload and the agents' stand for all of them.

const settings = (env: Record<string, string>) => {
  const s = loadConfig(env).clamav;
  assert.ok(s);
  return s;
};

describe("ClamAV scanning of uploads", { skip: hasClamd ? false : NO_CLAMD }, () => {
  let clamd: TestClamd;
  let t: TestEnv;
  let team: Awaited<ReturnType<typeof makeTeam>>;
  let configured: FileScanner;
  before(async () => {
    clamd = (await startClamd()) as TestClamd;
    t = await testEnv({ CLAMAV_URL: clamd.url });
    team = await makeTeam(t);
    configured = t.ctx.files.scanner;
  });
  after(async () => {
    await t?.close();
    await clamd?.stop();
  });

  const upload = (name: string, body: Buffer) =>
    t.app.inject({
      method: "POST",
      url: `/api/public/upload?portal=${team.ws.slug}&name=${encodeURIComponent(name)}`,
      headers: { "content-type": "application/octet-stream" },
      payload: body,
    });
  const rows = async () =>
    t.ctx.database.db
      .selectFrom("attachments")
      .select(["id", "scan_status"])
      .where("workspace_id", "=", team.ws.id)
      .execute();
  const leftovers = () => fs.readdirSync(path.join(t.ctx.config.dataDir, "files-incoming"));
  /** Runs fn with another scanner in the hook, and the warnings logged meanwhile. */
  const withScanner = async (scanner: FileScanner, fn: (warnings: string[]) => Promise<void>) => {
    const warnings: string[] = [];
    const { warn } = t.ctx.log;
    t.ctx.log.warn = ((obj: unknown, msg?: string) => {
      warnings.push(`${msg ?? ""} ${JSON.stringify(obj)}`);
    }) as typeof warn;
    t.ctx.files.scanner = scanner;
    try {
      await fn(warnings);
    } finally {
      t.ctx.files.scanner = configured;
      t.ctx.log.warn = warn;
    }
  };

  test("CLAMAV_URL puts clamd behind the scanner hook, and it answers the boot check", async () => {
    assert.equal(configured.name, "clamav");
    assert.match(await (configured.check?.() ?? Promise.reject()), /^ClamAV \d/);
  });

  test("the EICAR file is refused as .txt and as .csv, naming the file; nothing is kept", async () => {
    const before = (await rows()).length;
    for (const name of ["eicar.txt", "report.csv"]) {
      const res = await upload(name, EICAR);
      assert.equal(res.statusCode, 422, res.body);
      const error = res.json().error;
      assert.equal(error.code, "file_infected");
      assert.match(
        error.message,
        new RegExp(`“${name.replace(".", "\\.")}” contains malware \\(${EICAR_SIGNATURE}`),
      );
      assert.match(error.fields.file, new RegExp(name.replace(".", "\\.")));
    }
    assert.equal((await rows()).length, before, "no row for a refused file");
    assert.deepEqual(leftovers(), [], "no sealed temporary file left");
  });

  test("agents' uploads are scanned the same way", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/workspace/uploads?name=eicar.txt",
      headers: { ...team.agent.headers, "content-type": "application/octet-stream" },
      payload: EICAR,
    });
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().error.code, "file_infected");
  });

  test("clean files pass, small and large (streamed in chunks), and are marked clean", async () => {
    const small = await upload("notes.txt", Buffer.from("Nothing to see here.\n"));
    assert.equal(small.statusCode, 201, small.body);
    // Just under the 10 MB limit: many INSTREAM chunks.
    const line = "a perfectly ordinary line of a long log file, nothing more\n";
    const large = await upload(
      "big.log",
      Buffer.from(line.repeat(Math.floor((10 * 1024 * 1024 - 1) / line.length))),
    );
    assert.equal(large.statusCode, 201, large.body);
    const marks = new Map((await rows()).map((r) => [r.id, r.scan_status]));
    assert.equal(marks.get(small.json().id), "clean");
    assert.equal(marks.get(large.json().id), "clean");
  });

  test("clamd's unix socket works as well as TCP", async () => {
    await withScanner(createClamAvScanner(settings({ CLAMAV_URL: clamd.socketUrl }), t.ctx.log), async () => {
      assert.equal((await upload("eicar.txt", EICAR)).json().error.code, "file_infected");
      assert.equal((await upload("fine.txt", Buffer.from("fine\n"))).statusCode, 201);
    });
  });

  test("a clamd that never answers is given up on after the timeout", async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const scanner = createClamAvScanner(
        settings({ CLAMAV_URL: `tcp://127.0.0.1:${port}`, CLAMAV_TIMEOUT_SECONDS: "1" }),
        t.ctx.log,
      );
      await withScanner(scanner, async () => {
        const started = Date.now();
        const res = await upload("notes.txt", Buffer.from("hello\n"));
        assert.equal(res.statusCode, 503, res.body);
        assert.ok(Date.now() - started < 5000, "within the timeout, not forever");
      });
    } finally {
      silent.close();
    }
  });

  test("with clamd stopped: refused by default, or accepted, logged and marked with CLAMAV_ON_ERROR=accept", async () => {
    await clamd.stop();
    const before = (await rows()).length;
    const refused = await upload("notes.txt", Buffer.from("hello\n"));
    assert.equal(refused.statusCode, 503, refused.body);
    assert.equal(refused.json().error.code, "file_scan_unavailable");
    assert.match(refused.json().error.message, /“notes\.txt” could not be checked for malware/);
    assert.equal(refused.headers["retry-after"], "60");
    assert.equal((await rows()).length, before);
    assert.deepEqual(leftovers(), []);

    const accepting = createClamAvScanner(
      settings({ CLAMAV_URL: clamd.url, CLAMAV_ON_ERROR: "accept" }),
      t.ctx.log,
    );
    await withScanner(accepting, async (warnings) => {
      const up = await upload("notes.txt", Buffer.from("hello\n"));
      assert.equal(up.statusCode, 201, up.body);
      assert.ok(warnings.some((w) => /accepted without a malware scan/.test(w)));
      const mark = (await rows()).find((r) => r.id === up.json().id);
      assert.equal(mark?.scan_status, "unscanned");

      // Agents see the mark on the file; the customer's view does not carry it.
      const sub = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${team.ws.slug}/tickets`,
        payload: {
          name: "Casey",
          email: "casey@customer.test",
          subject: "Log",
          attachments: [up.json().key],
        },
      });
      assert.equal(sub.statusCode, 201, sub.body);
      const ticket = await t.app.inject({
        url: `/api/workspace/tickets/${sub.json().reference}`,
        headers: team.agent.headers,
      });
      assert.equal(ticket.json().attachments[0].unscanned, true);
      const page = await t.app.inject({
        url: `/app/tickets/${sub.json().reference}`,
        headers: { cookie: team.agent.cookie },
      });
      assert.match(page.body, /not scanned for malware/);
      const track = await t.app.inject({
        url: `/api/public${sub.json().trackingUrl.replace("/portal/", "/portals/")}`,
      });
      assert.equal(track.statusCode, 200);
      assert.equal(track.json().attachments[0].unscanned, undefined);
    });
  });
});
