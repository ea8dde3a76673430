// Longer than 400 lines: one drill (a real server written to while the real command backs it up,
// then the real restore and the app on the restored folder) and the refusals around it.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pipeline } from "node:stream/promises";
import { after, before, describe, test } from "node:test";
import { systemActor } from "../actors.ts";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { decryptStream, encryptStream, masterKeyFrom } from "../files/file.crypto.ts";
import { sweepUnattached } from "../files/file.service.ts";
import { localStorePath } from "../files/file.store.ts";
import { parseKey } from "../lib/encryption-key.ts";
import { readTar, TarWriter } from "../lib/tar.ts";
import { closeContext, createContext } from "../main.ts";
import { freePort } from "../test/daemon.ts";
import {
  makeTeam,
  prunedInbound,
  type SignedInAgent,
  type Submitted,
  submitTicket,
  trackUrl,
} from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { porticoCommand, porticoCommandAsync, startPortico } from "../test/portico-process.ts";
import { createBackup } from "./backup.ts";
import type { Manifest } from "./backup-manifest.ts";
import { keyColumns, referencedKeys } from "./backup-sources.ts";
import { restoreBackup } from "./restore.ts";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const SQLITE_ONLY = ON_POSTGRES ? "the SQLite snapshot is tested in the pass without DATABASE_URL" : false;

const temps: string[] = [];
const tempDir = (label: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `portico-${label}-`));
  temps.push(dir);
  return dir;
};
after(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

/** The environment of a child portico: only what the test gives it, on SQLite. */
function childEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? os.tmpdir(),
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    SUBMIT_RATE_LIMIT_PER_HOUR: "100000",
    UPLOAD_RATE_LIMIT: "100000",
    UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR: "100000",
    ...extra,
  };
}

/** `portico serve` on a folder, waited for until it listens; stopped by SIGTERM. */
async function serveOn(dataDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const live = startPortico(childEnv(dataDir), await freePort());
  await live.listening(30_000);
  return { url: live.base, stop: () => live.stop() };
}

/** Every table's rows, each as JSON (blobs as hex), sorted: two databases with equal dumps hold the same data. */
function dump(file: string): Record<string, string[]> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const tables = db
      .prepare(
        "select name from sqlite_schema where type = 'table' and name not like 'sqlite%' order by name",
      )
      .all() as { name: string }[];
    const out: Record<string, string[]> = {};
    for (const { name } of tables) {
      out[name] = db
        .prepare(`select * from "${name}"`)
        .all()
        .map((row) =>
          JSON.stringify(row, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v)),
        )
        .sort();
    }
    return out;
  } finally {
    db.close();
  }
}

async function plaintext(dataDir: string, storageKey: string): Promise<Buffer> {
  const key = parseKey(fs.readFileSync(path.join(dataDir, "file-encryption.key"), "utf8"));
  assert.ok(key, `a key in ${dataDir}`);
  const parts: Buffer[] = [];
  await pipeline(
    fs.createReadStream(path.join(dataDir, "files", localStorePath(storageKey))),
    decryptStream(masterKeyFrom(key)),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) parts.push(chunk);
    },
  );
  return Buffer.concat(parts);
}

/** The stored files' rows of a database file, with the plaintext's SHA-256 where the row keeps it. */
function fileRows(file: string): { key: string; sha256: string | null }[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = [
      ...db.prepare("select storage_key as key, sha256 from attachments").all(),
      ...db
        .prepare("select thumb_key as key, null as sha256 from attachments where thumb_key is not null")
        .all(),
      ...db.prepare("select storage_key as key, sha256 from document_versions").all(),
      ...db
        .prepare("select thumb_key as key, null as sha256 from document_versions where thumb_key is not null")
        .all(),
      ...db.prepare("select storage_key as key, null as sha256 from inbound_emails").all(),
    ] as { key: string; sha256: string | null }[];
    assert.deepEqual(new Set(rows.map((r) => r.key)), referencedKeys(db), "the test reads every file column");
    return rows;
  } finally {
    db.close();
  }
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A copy of an archive whose manifest `edit` changed, with the manifest's hash made to match. */
async function forgeManifest(archive: string, edit: (m: Manifest) => void): Promise<string> {
  const forged = path.join(tempDir("forged"), "forged.tar");
  const input = await fs.promises.open(archive, "r");
  const output = await fs.promises.open(forged, "wx");
  try {
    const writer = new TarWriter(output);
    await readTar(input, async (entry, content) => {
      const parts: Buffer[] = [];
      for await (const chunk of content()) parts.push(Buffer.from(chunk));
      let data = Buffer.concat(parts);
      if (entry.name === "manifest.json") {
        const m = JSON.parse(data.toString("utf8")) as Manifest;
        edit(m);
        data = Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
        await writer.addBuffer(entry.name, data);
        await writer.addBuffer("manifest.json.sha256", Buffer.from(`${sha256(data)}  manifest.json\n`));
      } else if (entry.name !== "manifest.json.sha256") {
        await writer.addBuffer(entry.name, data);
      }
    });
    await writer.finish();
  } finally {
    await input.close();
    await output.close();
  }
  return forged;
}

async function upload(base: string, slug: string, name: string, body: Buffer): Promise<string> {
  const res = await fetch(`${base}/api/public/upload?portal=${slug}&name=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: new Uint8Array(body),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { key: string }).key;
}

describe("portico backup and restore, on a server being written to", { skip: SQLITE_ONLY }, () => {
  let t: TestEnv;
  let slug: string;
  let agent: SignedInAgent;
  const kept: { submitted: Submitted; name: string; bytes: Buffer }[] = [];

  before(async () => {
    t = await testEnv();
    const team = await makeTeam(t);
    slug = team.ws.slug;
    agent = team.agent;
    const api = async (method: "POST", url: string, payload: object, status = 201) => {
      const headers = url.includes("/kb/") ? team.admin.headers : agent.headers;
      const res = await t.app.inject({ method, url, headers, payload });
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      return res.json();
    };
    const category = await api("POST", "/api/workspace/kb/categories", { name: "Printers" });
    for (const title of ["Paper jams", "Toner"]) {
      await api("POST", "/api/workspace/kb/articles", {
        title,
        body: `How to deal with ${title.toLowerCase()}.`,
        categoryId: category.id,
        status: "published",
        visibility: "public",
      });
    }
    for (const [i, [name, bytes]] of (
      [
        ["scan.png", PNG],
        ["log.txt", Buffer.from(`printer log ${randomBytes(8).toString("hex")}\n`.repeat(5000))],
        ["notes.txt", Buffer.from("short note\n")],
      ] as [string, Buffer][]
    ).entries()) {
      const up = await t.app.inject({
        method: "POST",
        url: `/api/public/upload?portal=${slug}&name=${name}`,
        headers: { "content-type": "application/octet-stream" },
        payload: bytes,
      });
      assert.equal(up.statusCode, 201, up.body);
      const submitted = await submitTicket(t, slug, {
        subject: `Printer trouble ${i}`,
        attachments: [(up.json() as { key: string }).key],
      } as never);
      kept.push({ submitted, name, bytes });
    }
    const ref = kept[0]?.submitted.reference;
    await api("POST", `/api/workspace/tickets/${ref}/replies`, { body: "Try turning it off and on." });
    await api("POST", `/api/workspace/tickets/${ref}/notes`, { body: "Customer sounds calm." });
  });
  after(() => t?.close());

  test("an online backup restores into a folder a server reads; every table and file equal once writes stop", async (tc) => {
    const dataDir = t.ctx.config.dataDir;
    const out = tempDir("backups");
    const live = await serveOn(dataDir);
    let archive: string;
    try {
      // Customers keep submitting tickets with files to the real server while the backup runs.
      let writing = true;
      let submitted = 0;
      const load = (async () => {
        while (writing) {
          const key = await upload(
            live.url,
            slug,
            "during.txt",
            Buffer.from(`written during the backup ${submitted}\n`),
          );
          const res = await fetch(`${live.url}/api/public/portals/${slug}/tickets`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              name: "Dee",
              email: "dee@customer.test",
              subject: `During ${submitted}`,
              attachments: [key],
            }),
          });
          assert.equal(res.status, 201, await res.text());
          submitted++;
          // Paced, so the writes go on through the backup without starving the machine's two cores.
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      while (submitted < 3) await new Promise((r) => setTimeout(r, 20));
      const before = submitted;
      const r = await porticoCommandAsync(childEnv(dataDir), "backup", "--output", `${out}/`);
      const during = submitted - before;
      writing = false;
      await load;
      tc.diagnostic(`${during} tickets were submitted while the backup ran`);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /database: snapshot of \d+ pages/);
      assert.match(r.err, /files: \d+ of \d+ \(/);
      const written = /^Wrote (.+\.tar): /m.exec(r.out)?.[1];
      assert.ok(written && fs.existsSync(written), r.out);
      archive = written;
      assert.deepEqual(fs.readdirSync(out), [path.basename(archive)], "nothing but the archive is left");
      assert.equal(fs.statSync(archive).mode & 0o777, 0o600, "the archive holds the key: its owner's only");
    } finally {
      await live.stop();
    }

    // Restored by the real command into a new folder.
    const restored = path.join(tempDir("restored"), "data");
    const r = porticoCommand(childEnv("/nonexistent"), "restore", archive, "--data-dir", restored);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Restored the backup of .* into /);
    assert.match(r.out, /files: \d+ \(/);

    // The snapshot is whole: every file its rows name is there and decrypts to what the row says.
    const rows = fileRows(path.join(restored, "portico.sqlite"));
    assert.ok(rows.length >= kept.length + 3, "the files from before and from during the load");
    for (const row of rows) {
      const plain = await plaintext(restored, row.key);
      if (row.sha256) assert.equal(sha256(plain), row.sha256, `${row.key} decrypts to its recorded hash`);
    }
    const restoredDump = dump(path.join(restored, "portico.sqlite"));
    const liveDump = dump(path.join(dataDir, "portico.sqlite"));
    const ids = (rowsOf: string[] | undefined) =>
      new Set((rowsOf ?? []).map((j) => (JSON.parse(j) as { id: string }).id));
    const liveIds = ids(liveDump.tickets);
    for (const id of ids(restoredDump.tickets))
      assert.ok(liveIds.has(id), "a restored ticket is one the server has");

    // The app, as `portico serve` builds it, on the restored folder shows each ticket with its file.
    const ctx = await createContext(loadConfig({ DATA_DIR: restored, LOG_LEVEL: "silent" }));
    try {
      const app = await buildApp(ctx);
      for (const { submitted, name, bytes } of kept) {
        const view = await app.inject({ url: trackUrl(slug, submitted) });
        assert.equal(view.statusCode, 200, view.body);
        const file = (view.json() as { attachments: { id: string; name: string }[] }).attachments.find(
          (a) => a.name === name,
        );
        assert.ok(file, `${name} on ${submitted.reference}`);
        const download = await app.inject({
          url: `/api/public/portals/${slug}/tickets/${submitted.reference}/attachments/${file.id}?t=${encodeURIComponent(submitted.token)}`,
        });
        assert.equal(download.statusCode, 200);
        assert.ok(download.rawPayload.equals(bytes), `${name} is the file uploaded`);
      }
      await app.close();
    } finally {
      await closeContext(ctx);
    }
    // Writes stopped: a backup now restores to exactly what the folder holds.
    const quiet = await createBackup(t.ctx.config, { output: `${tempDir("quiet")}/` });
    const again = path.join(tempDir("again"), "data");
    await restoreBackup(loadConfig({ DATA_DIR: again }), quiet.path);
    assert.deepEqual(dump(path.join(again, "portico.sqlite")), dump(path.join(dataDir, "portico.sqlite")));
    const liveRows = fileRows(path.join(dataDir, "portico.sqlite"));
    assert.deepEqual(fileRows(path.join(again, "portico.sqlite")), liveRows);
    for (const row of liveRows) {
      assert.ok(
        (await plaintext(again, row.key)).equals(await plaintext(dataDir, row.key)),
        `${row.key} equal`,
      );
    }
    assert.ok(
      fs
        .readFileSync(path.join(again, "file-encryption.key"))
        .equals(fs.readFileSync(path.join(dataDir, "file-encryption.key"))),
    );

    // One changed byte anywhere is refused, and leaves no folder behind.
    const size = fs.statSync(archive).size;
    for (const at of [Math.floor(size / 2), 100, size - 700]) {
      const tampered = path.join(tempDir("tampered"), "copy.tar");
      const bytes = fs.readFileSync(archive);
      bytes[at] = (bytes[at] as number) ^ 0x01;
      fs.writeFileSync(tampered, bytes);
      const target = path.join(path.dirname(tampered), "data");
      await assert.rejects(restoreBackup(loadConfig({ DATA_DIR: target }), tampered), /damaged|manifest/);
      assert.equal(fs.existsSync(target), false, `byte ${at}: no folder is left`);
    }

    // A folder that holds something is refused, and left as it was.
    const holds = fs.readdirSync(restored).sort();
    await assert.rejects(restoreBackup(loadConfig({ DATA_DIR: restored }), archive), /is not empty/);
    assert.deepEqual(fs.readdirSync(restored).sort(), holds);
  });
});

describe("backup: files removed meanwhile, a damaged store, the key", () => {
  let t: TestEnv;
  let slug: string;
  let ws: Awaited<ReturnType<typeof makeTeam>>["ws"];
  before(async () => {
    t = await testEnv();
    ws = (await makeTeam(t)).ws;
    slug = ws.slug;
  });
  after(() => t?.close());

  const uploadIn = async (name: string, body: Buffer) => {
    const res = await t.app.inject({
      method: "POST",
      url: `/api/public/upload?portal=${slug}&name=${name}`,
      headers: { "content-type": "application/octet-stream" },
      payload: body,
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { key: string };
  };
  const storageKeyOf = async (uploadKey: string) => {
    const hash = createHash("sha256").update(uploadKey).digest("hex");
    const db = new DatabaseSync(path.join(t.ctx.config.dataDir, "portico.sqlite"), { readOnly: true });
    try {
      const row = db.prepare("select storage_key from attachments where claim_hash = ?").get(hash) as
        | { storage_key: string }
        | undefined;
      return row?.storage_key;
    } finally {
      db.close();
    }
  };

  test("the columns that name stored files", { skip: SQLITE_ONLY }, () => {
    const db = new DatabaseSync(path.join(t.ctx.config.dataDir, "portico.sqlite"), { readOnly: true });
    try {
      assert.deepEqual(keyColumns(db), [
        { table: "attachments", column: "storage_key" },
        { table: "attachments", column: "thumb_key" },
        { table: "document_versions", column: "storage_key" },
        { table: "document_versions", column: "thumb_key" },
        { table: "inbound_emails", column: "storage_key" },
        { table: "kb_images", column: "storage_key" },
      ]);
    } finally {
      db.close();
    }
  });

  test("a file the sweep removes after the snapshot: the backup starts again from a new one", {
    skip: SQLITE_ONLY,
  }, async () => {
    const stale = await uploadIn("stale.txt", Buffer.from("never attached\n"));
    const staleKey = await storageKeyOf(stale.key);
    assert.ok(staleKey);
    const lines: string[] = [];
    let swept = 0;
    const out = tempDir("sweep");
    const result = await createBackup(t.ctx.config, {
      output: `${out}/`,
      say: (l) => lines.push(l),
      afterSnapshot: async () => {
        if (swept) return;
        t.advance(25 * 3600_000);
        swept = await sweepUnattached(t.ctx, systemActor("upload sweep"));
      },
    });
    assert.equal(swept, 1);
    assert.ok(
      lines.some((l) => /removed, with their rows, after the snapshot; starting again/.test(l)),
      lines.join("\n"),
    );
    assert.ok(!result.manifest.entries.some((e) => e.name.endsWith(staleKey)));
    assert.deepEqual(fs.readdirSync(out), [path.basename(result.path)]);
  });

  test("a file missing while its row remains is an error, and no archive is written", {
    skip: SQLITE_ONLY,
  }, async () => {
    const up = await uploadIn("kept.txt", Buffer.from("attached, then lost\n"));
    await submitTicket(t, slug, { attachments: [up.key] } as never);
    const db = new DatabaseSync(path.join(t.ctx.config.dataDir, "portico.sqlite"), { readOnly: true });
    const { storage_key: key } = db
      .prepare("select storage_key from attachments order by created_at desc limit 1")
      .get() as { storage_key: string };
    db.close();
    const file = path.join(t.ctx.config.dataDir, "files", localStorePath(key));
    const saved = fs.readFileSync(file);
    fs.rmSync(file);
    try {
      const out = tempDir("damaged");
      await assert.rejects(
        createBackup(t.ctx.config, { output: `${out}/` }),
        /missing from .*the file store is damaged/,
      );
      assert.deepEqual(fs.readdirSync(out), [], "no archive, no partial file");
      await assert.rejects(
        createBackup(t.ctx.config, { output: path.join(out, "x.tar"), now: () => new Date() }),
        /damaged/,
      );
      assert.deepEqual(fs.readdirSync(out), []);
    } finally {
      fs.writeFileSync(file, saved);
    }
  });

  test("a file sealed under another key is refused, and no archive is written", {
    skip: SQLITE_ONLY,
  }, async () => {
    const up = await uploadIn("foreign.txt", Buffer.from("sealed twice\n"));
    const key = await storageKeyOf(up.key);
    assert.ok(key);
    await submitTicket(t, slug, { attachments: [up.key] } as never);
    const file = path.join(t.ctx.config.dataDir, "files", localStorePath(key));
    const saved = fs.readFileSync(file);
    const other = masterKeyFrom(randomBytes(32));
    const foreign: Buffer[] = [];
    await pipeline(
      [Buffer.from("sealed twice\n")],
      encryptStream(other),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) foreign.push(chunk);
      },
    );
    fs.writeFileSync(file, Buffer.concat(foreign));
    try {
      const out = tempDir("foreign");
      await assert.rejects(
        createBackup(t.ctx.config, { output: `${out}/` }),
        new RegExp(
          `${key} is sealed under the key with id ${other.id.toString("hex")}, not ${t.ctx.files.key.id.toString("hex")}`,
        ),
      );
      assert.deepEqual(fs.readdirSync(out), [], "no archive, no partial file");
    } finally {
      fs.writeFileSync(file, saved);
    }
  });

  test("restore refuses a file not sealed under the manifest's key, and file counts not the entries'", async () => {
    const up = await uploadIn("named.txt", Buffer.from("which key?\n"));
    await submitTicket(t, slug, { attachments: [up.key] } as never);
    const { path: archive } = await createBackup(t.ctx.config, {
      output: `${tempDir("rekeyed")}/`,
      withoutKey: true,
    });
    // The same archive with the manifest naming another key, its hash made to match.
    const forged = await forgeManifest(archive, (m) => {
      m.key.id = "00000000";
    });
    const target = path.join(tempDir("rekeyed-restored"), "d");
    await assert.rejects(
      restoreBackup(loadConfig({ DATA_DIR: target }), forged),
      new RegExp(
        `files/.* is sealed under the key with id ${t.ctx.files.key.id.toString("hex")}, not 00000000`,
      ),
    );
    assert.equal(fs.existsSync(target), false);

    // A manifest whose count or size of files is not its entries' is refused as well.
    for (const edit of [
      (m: Manifest) => {
        if (m.files.included) m.files.count++;
      },
      (m: Manifest) => {
        if (m.files.included) m.files.bytes--;
      },
    ]) {
      await assert.rejects(
        restoreBackup(loadConfig({ DATA_DIR: target }), await forgeManifest(archive, edit)),
        /the manifest's count or size of files does not match its entries/,
      );
      assert.equal(fs.existsSync(target), false);
    }
  });

  test("raw mail deleted by retention keeps its row: the backup leaves the file out and succeeds", async () => {
    const key = await prunedInbound(t, ws);
    if (!ON_POSTGRES) {
      const db = new DatabaseSync(path.join(t.ctx.config.dataDir, "portico.sqlite"), { readOnly: true });
      try {
        const row = db.prepare("select raw_deleted_at from inbound_emails where storage_key = ?").get(key);
        assert.ok(row?.raw_deleted_at, "the row stays, marked");
        assert.equal(referencedKeys(db).has(key), false, "a marked row names no file");
      } finally {
        db.close();
      }
    }
    const out = tempDir("pruned");
    const { path: archive, manifest } = await createBackup(t.ctx.config, { output: `${out}/` });
    assert.ok(!manifest.entries.some((e) => e.name.endsWith(key)), "the deleted file is not in the archive");
    const target = path.join(out, "restored");
    await restoreBackup(loadConfig({ DATA_DIR: target }), archive);
    assert.equal(fs.existsSync(path.join(target, "files", localStorePath(key))), false);
  });

  test("an interrupted backup or restore leaves nothing behind", async () => {
    const out = tempDir("interrupted");
    const stop = AbortSignal.abort(new Error("interrupted"));
    await assert.rejects(createBackup(t.ctx.config, { output: `${out}/`, signal: stop }), /interrupted/);
    assert.deepEqual(fs.readdirSync(out), []);
    const { path: archive } = await createBackup(t.ctx.config, { output: `${out}/` });
    const target = path.join(out, "restored");
    await assert.rejects(
      restoreBackup(loadConfig({ DATA_DIR: target }), archive, { signal: stop }),
      /interrupted/,
    );
    assert.equal(fs.existsSync(target), false);
  });

  test("a key from FILE_ENCRYPTION_KEY is not written; restore asks for it and checks it", async () => {
    const hex = t.ctx.files.key.key.toString("hex");
    const config = { ...t.ctx.config, fileEncryptionKey: t.ctx.files.key.key };
    const lines: string[] = [];
    const { path: archive, manifest } = await createBackup(config, {
      output: `${tempDir("envkey")}/`,
      say: (l) => lines.push(l),
    });
    assert.equal(manifest.key.source, "environment");
    assert.equal(manifest.key.included, false);
    assert.ok(!manifest.entries.some((e) => e.name === "file-encryption.key"));
    assert.ok(lines.some((l) => /FILE_ENCRYPTION_KEY and is not written/.test(l)));

    const without = await restoreBackup(loadConfig({ DATA_DIR: path.join(tempDir("nokey"), "d") }), archive);
    assert.ok(
      without.notes.some(
        (n) => n.includes(`copy the key with id ${manifest.key.id}`) && n.includes("FILE_ENCRYPTION_KEY"),
      ),
    );
    const withKey = await restoreBackup(
      loadConfig({ DATA_DIR: path.join(tempDir("key"), "d"), FILE_ENCRYPTION_KEY: hex }),
      archive,
    );
    assert.deepEqual(
      withKey.notes.filter((n) => /FILE_ENCRYPTION_KEY/.test(n)),
      [],
    );
    const other = path.join(tempDir("otherkey"), "d");
    await assert.rejects(
      restoreBackup(
        loadConfig({ DATA_DIR: other, FILE_ENCRYPTION_KEY: randomBytes(32).toString("hex") }),
        archive,
      ),
      /FILE_ENCRYPTION_KEY is another key/,
    );
    assert.equal(fs.existsSync(other), false);

    // The key file left out on request: restore says where it goes.
    const apart = await createBackup(t.ctx.config, { output: `${tempDir("apart")}/`, withoutKey: true });
    assert.deepEqual(apart.manifest.key, { source: "file", included: false, id: manifest.key.id });
    const target = path.join(tempDir("apart-restored"), "d");
    const r = await restoreBackup(loadConfig({ DATA_DIR: target }), apart.path);
    assert.ok(r.notes.some((n) => n.includes(`copy the key with id ${manifest.key.id} to ${target}`)));
    assert.equal(fs.existsSync(path.join(target, "file-encryption.key")), false);
  });

  test("on PostgreSQL the archive holds the files and the key, and says where the database goes", {
    skip: ON_POSTGRES ? false : "needs DATABASE_URL (the PostgreSQL pass)",
  }, async () => {
    const up = await uploadIn("pg.txt", Buffer.from("a file beside PostgreSQL\n"));
    await submitTicket(t, slug, { attachments: [up.key] } as never);
    const lines: string[] = [];
    const { path: archive, manifest } = await createBackup(t.ctx.config, {
      output: `${tempDir("pg")}/`,
      say: (l) => lines.push(l),
    });
    assert.equal(manifest.database.kind, "postgres");
    assert.ok(lines.some((l) => /pg_dump/.test(l)));
    const files = manifest.entries.filter((e) => e.name.startsWith("files/"));
    assert.ok(files.length >= 1);
    const target = path.join(tempDir("pg-restored"), "d");
    const r = await restoreBackup(loadConfig({ DATA_DIR: target }), archive);
    assert.ok(r.notes.some((n) => /pg_restore/.test(n)));
    for (const e of files) {
      const key = e.name.split("/").at(-1) as string;
      assert.ok((await plaintext(target, key)).equals(await plaintext(t.ctx.config.dataDir, key)));
    }
  });
});
