import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { readTar, TarWriter } from "./tar.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-tar-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const ENTRIES: [string, Buffer][] = [
  ["empty", Buffer.alloc(0)],
  ["one-block", Buffer.alloc(512, 7)],
  ["files/ab/odd-size", Buffer.from("x".repeat(1500))],
  ["big", Buffer.alloc(3 * 1024 * 1024 + 17, 1)],
];

async function write(file: string): Promise<void> {
  const out = await fs.promises.open(file, "w");
  const tar = new TarWriter(out);
  for (const [name, data] of ENTRIES) {
    if (name === "big") {
      const src = path.join(dir, "big.src");
      fs.writeFileSync(src, data);
      const h = await fs.promises.open(src, "r");
      await tar.addFile(name, h, data.length);
      await h.close();
    } else {
      await tar.addBuffer(name, data);
    }
  }
  await tar.finish();
  await out.close();
}

async function read(file: string): Promise<Map<string, string>> {
  const got = new Map<string, string>();
  const input = await fs.promises.open(file, "r");
  try {
    await readTar(input, async (entry, content) => {
      const hash = createHash("sha256");
      for await (const chunk of content()) hash.update(chunk);
      got.set(entry.name, hash.digest("hex"));
    });
  } finally {
    await input.close();
  }
  return got;
}

test("what the writer writes, the reader and tar(1) read back", async (t) => {
  const file = path.join(dir, "a.tar");
  await write(file);
  const got = await read(file);
  assert.deepEqual(
    [...got],
    ENTRIES.map(([name, data]) => [name, createHash("sha256").update(data).digest("hex")]),
  );
  const listed = spawnSync("tar", ["-tf", file], { encoding: "utf8" });
  if (listed.error) return t.skip("no tar(1) on this machine to cross-check with");
  assert.equal(listed.status, 0, listed.stderr);
  assert.deepEqual(
    listed.stdout.trim().split("\n"),
    ENTRIES.map(([n]) => n),
  );
});

test("a changed header byte, a non-zero pad, bytes after the end or a cut archive are refused", async () => {
  const file = path.join(dir, "b.tar");
  await write(file);
  const good = fs.readFileSync(file);
  const flip = (at: (b: Buffer) => number) => (b: Buffer) => {
    const i = at(b);
    b[i] = (b[i] as number) ^ 1;
    return b;
  };
  // Headers at 0, 512 and 1536; the odd-size entry's 1500 bytes from 2048, its padding after.
  const cases: [string, (b: Buffer) => Buffer, RegExp][] = [
    ["a header byte", flip(() => 600), /checksum/],
    ["a padding byte", flip(() => 2048 + 1500 + 3), /padding/],
    ["a byte after the end", flip((b) => b.length - 1), /follow the end/],
    ["the end cut off", (b) => b.subarray(0, b.length - 1024), /cut short/],
    ["half an entry", (b) => b.subarray(0, 2560), /cut short/],
  ];
  for (const [what, change, message] of cases) {
    const bad = path.join(dir, "bad.tar");
    fs.writeFileSync(bad, change(Buffer.from(good)));
    await assert.rejects(read(bad), message, what);
  }
});
