import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, test } from "node:test";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import pg from "pg";
import S3rver from "s3rver";
import { migrateDataCommand } from "../../cli/migrate-data.command.ts";
import { createScratchDatabase, type ScratchDatabase } from "../db/scratch.ts";
import { loadMasterKey } from "../files/file.crypto.ts";
import { LocalFileStore, S3FileStore } from "../files/file.store.ts";
import { makeTeam, PASSWORD, prunedInbound, signIn, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { porticoCommand } from "../test/portico-process.ts";
import { MigrateDataError, migrateData } from "./migrate-data.ts";

// `portico migrate-data`: a workspace built on the embedded SQLite database through the real app
// (tickets, replies, notes, files, articles, outbox rows), moved by the real command into a
// scratch PostgreSQL database, compared here once more, then served from PostgreSQL. Runs in the
// PostgreSQL pass only: it needs a server to move to.

const baseUrl = process.env.DATABASE_URL;
const skip = baseUrl
  ? false
  : "needs a PostgreSQL server to move to: set DATABASE_URL (the PostgreSQL pass of CI does)";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

function portico(dataDir: string, ...args: string[]) {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  delete env.FILE_ENCRYPTION_KEY;
  for (const k of Object.keys(env)) if (k.startsWith("S3_")) delete env[k];
  return porticoCommand(env, ...args);
}

describe("portico migrate-data", { skip }, () => {
  let lite: TestEnv;
  let target: ScratchDatabase;
  let spare: ScratchDatabase;
  let team: Awaited<ReturnType<typeof makeTeam>>;
  const refs: string[] = [];
  let pdfId = "";
  let prunedKey = "";

  before(async () => {
    // The source: an embedded database whatever the pass (an empty DATABASE_URL means SQLite).
    lite = await testEnv({ DATABASE_URL: "" });
    assert.equal(lite.ctx.database.dialect, "sqlite");
    target = await createScratchDatabase(baseUrl as string, "portico_move");
    spare = await createScratchDatabase(baseUrl as string, "portico_move");
    team = await makeTeam(lite);
    const slug = team.ws.slug;
    const upload = async (name: string, body: Buffer) => {
      const res = await lite.app.inject({
        method: "POST",
        url: `/api/public/upload?portal=${slug}&name=${encodeURIComponent(name)}`,
        headers: { "content-type": "application/octet-stream" },
        payload: body,
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; key: string };
    };
    const png = await upload("screen.png", PNG);
    const pdf = await upload("invoice.pdf", PDF);
    pdfId = pdf.id;
    refs.push(
      (await submitTicket(lite, slug, { subject: "Printer on fire", attachments: [png.key] } as never))
        .reference,
      (await submitTicket(lite, slug, { subject: "Invoice is wrong", attachments: [pdf.key] } as never))
        .reference,
      (await submitTicket(lite, slug, { subject: "Zürich office Wi-Fi drops", email: "z@customer.test" }))
        .reference,
    );
    const agent = (method: string, url: string, payload: unknown) =>
      lite.app.inject({
        method,
        url: `/api/workspace${url}`,
        headers: team.agent.headers,
        payload: payload as object,
      });
    assert.equal(
      (await agent("POST", `/tickets/${refs[0]}/replies`, { body: "Unplug it, please." })).statusCode,
      201,
    );
    assert.equal(
      (await agent("POST", `/tickets/${refs[0]}/notes`, { body: "Internal: call facilities" })).statusCode,
      201,
    );
    assert.equal((await agent("PATCH", `/tickets/${refs[1]}`, { status: "resolved" })).statusCode, 200);
    for (const a of [
      {
        slug: "reset-password",
        title: "Reset your password",
        body: "Open settings and choose a new password.",
        tags: ["account"],
      },
      {
        slug: "refunds",
        title: "Refunds",
        body: "Refunds arrive within five business days.",
        tags: ["billing"],
      },
    ]) {
      const res = await agent("POST", "/kb/articles", { ...a, status: "published" });
      assert.equal(res.statusCode, 201, res.body);
    }
    // Raw mail that retention deleted: the row stays with its storage key, the file is gone.
    prunedKey = await prunedInbound(lite, team.ws);
    // A ticket pointing at a later one: its reference is copied after both rows exist.
    const db = lite.ctx.database.db;
    const [first, last] = await Promise.all(
      [refs[0], refs[2]].map((r) =>
        db
          .selectFrom("tickets")
          .select("id")
          .where("workspace_id", "=", team.ws.id)
          .where("number", "=", Number(String(r).slice(4)))
          .executeTakeFirstOrThrow(),
      ),
    );
    await db
      .updateTable("tickets")
      .set({ follow_up_of_id: last?.id })
      .where("id", "=", first?.id as string)
      .execute();
  });
  after(async () => {
    await lite?.close();
    await target?.drop();
    await spare?.drop();
  });

  test("--help explains the move", () => {
    const help = migrateDataCommand("").helpInformation();
    assert.match(help, /Usage: migrate-data \[options\]/);
    assert.match(help, /--to <url>/);
  });

  test("a damaged file stops the move and leaves the target empty", async () => {
    const dataDir = lite.ctx.config.dataDir;
    const row = await lite.ctx.database.db
      .selectFrom("attachments")
      .select("storage_key")
      .where("id", "=", pdfId)
      .executeTakeFirstOrThrow();
    const file = path.join(dataDir, "files", row.storage_key.slice(-2), row.storage_key);
    const intact = fs.readFileSync(file);
    const damaged = Buffer.from(intact);
    damaged[damaged.length - 20] = (damaged[damaged.length - 20] as number) ^ 0xff;
    fs.writeFileSync(file, damaged);
    const progress: string[] = [];
    try {
      await assert.rejects(
        migrateData({
          dataDir,
          to: spare.url,
          files: {
            store: new LocalFileStore(path.join(dataDir, "files")),
            key: loadMasterKey(dataDir, undefined),
          },
          progress: (l) => progress.push(l),
        }),
        (err: unknown) =>
          err instanceof MigrateDataError &&
          err.problems.some((p) => p.includes(row.storage_key) && /decrypt/.test(p)),
      );
    } finally {
      fs.writeFileSync(file, intact);
    }
    assert.ok(
      progress.some((l) => /^verified \d+\/\d+ tickets: 3 rows match/.test(l)),
      progress.join("\n"),
    );
    const client = new pg.Client({ connectionString: spare.url });
    await client.connect();
    try {
      const n = await client.query(
        "select (select count(*) from tickets) + (select count(*) from workspaces) as n",
      );
      assert.equal(Number(n.rows[0].n), 0, "rolled back");
    } finally {
      await client.end();
    }
  });

  test("a table the target lacks stops the move before any copy, each difference listed", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-move-extra-"));
    try {
      const live = new DatabaseSync(path.join(lite.ctx.config.dataDir, "portico.sqlite"), { readOnly: true });
      live.exec(`vacuum into '${path.join(dir, "portico.sqlite")}'`);
      live.close();
      const copy = new DatabaseSync(path.join(dir, "portico.sqlite"));
      copy.exec(
        "create table notes_left_behind (id text primary key); alter table tickets add column shoe_size text",
      );
      copy.close();
      await assert.rejects(
        migrateData({ dataDir: dir, to: spare.url, files: null }),
        (err: unknown) =>
          err instanceof MigrateDataError &&
          /schemas differ/.test(err.message) &&
          err.problems.includes("table notes_left_behind is in SQLite only") &&
          err.problems.includes("column tickets.shoe_size is in SQLite only"),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--copy-files-to-s3: the sealed files go into the bucket and are checked there", async () => {
    // The damaged-file run above rolled back: this target is migrated and empty.
    const dataDir = lite.ctx.config.dataDir;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-move-s3-"));
    const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir });
    const { port } = await server.run();
    const settings = {
      endpoint: `http://127.0.0.1:${port}`,
      bucket: "moved",
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
      prefix: "files/",
    };
    const client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    const store = new S3FileStore(settings);
    try {
      await client.send(new CreateBucketCommand({ Bucket: "moved" }));
      const report = await migrateData({
        dataDir,
        to: spare.url,
        files: { store, key: loadMasterKey(dataDir, undefined) },
        copyFilesFrom: new LocalFileStore(path.join(dataDir, "files")),
      });
      assert.equal(report.files.copied, 3);
      assert.equal(report.files.checked, 3);
      const listed = await client.send(new ListObjectsV2Command({ Bucket: "moved", Prefix: "files/" }));
      assert.equal(listed.KeyCount, 3);
    } finally {
      store.destroy();
      client.destroy();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the command moves every row and file, verified, and refuses a target that is not empty", async () => {
    const dataDir = lite.ctx.config.dataDir;
    const r = portico(dataDir, "migrate-data", "--to", target.url);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.match(r.out, /every row matches/);
    // Two attachments and the PNG's thumbnail, each read back and decrypted; not the raw mail
    // retention deleted.
    assert.match(r.out, /checked 3 files/);
    assert.match(r.err, /copied \d+\/\d+ tickets: 3 rows/);
    assert.match(r.err, /search rebuilt: \d+ ticket index rows, 2 articles/);

    // Compared once more here, independently of the command's own check.
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      for (const table of [
        "workspaces",
        "agents",
        "contacts",
        "tickets",
        "comments",
        "attachments",
        "kb_articles",
        "outbox_emails",
        "ticket_events",
        "inbound_emails",
      ]) {
        const mine = await lite.ctx.database.db
          .selectFrom(table as "workspaces")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow();
        const theirs = await client.query(`select count(*)::int as n from ${table}`);
        assert.equal(theirs.rows[0].n, Number(mine.n), table);
        assert.ok(Number(mine.n) > 0, `${table} has rows to move`);
      }
      const pruned = await client.query(
        "select raw_deleted_at is not null as marked from inbound_emails where storage_key = $1",
        [prunedKey],
      );
      assert.deepEqual(pruned.rows, [{ marked: true }], "the pruned message's row moved, marked");
      const tickets = await client.query(
        "select number, subject, created_at, follow_up_of_id is not null as follows from tickets order by number",
      );
      const liteTickets = await lite.ctx.database.db
        .selectFrom("tickets")
        .select(["number", "subject", "created_at", "follow_up_of_id"])
        .orderBy("number")
        .execute();
      assert.deepEqual(
        tickets.rows.map((t) => [t.number, t.subject, t.created_at, t.follows]),
        liteTickets.map((t) => [
          t.number,
          t.subject,
          new Date(t.created_at).toISOString(),
          t.follow_up_of_id !== null,
        ]),
      );
    } finally {
      await client.end();
    }

    // Run again (here, not in another process: the command's failures all exit the same way).
    await assert.rejects(
      migrateData({ dataDir, to: target.url, files: null }),
      (err: unknown) => err instanceof MigrateDataError && /not empty \(rows in .*tickets/.test(err.message),
    );
  });

  test("the app runs on the moved database: sign-in, a ticket, its file, search, the next number", async () => {
    const moved = await testEnv({ DATABASE_URL: target.url, DATA_DIR: lite.ctx.config.dataDir });
    try {
      assert.equal(moved.ctx.database.dialect, "postgres");
      const agent = await signIn(moved, team.ws.slug, team.agent.email, PASSWORD);
      const get = (url: string) => moved.app.inject({ url: `/api/workspace${url}`, headers: agent.headers });
      const detail = await get(`/tickets/${refs[0]}`);
      assert.equal(detail.statusCode, 200, detail.body);
      const body = detail.json() as {
        subject: string;
        followUpOf: string | null;
        attachments: { id: string }[];
      };
      assert.equal(body.followUpOf, refs[2]);
      assert.equal(body.subject, "Printer on fire");
      const file = body.attachments[0];
      assert.ok(file, detail.body);
      const download = await get(`/attachments/${file.id}`);
      assert.equal(download.statusCode, 200, download.body);
      assert.deepEqual(download.rawPayload, PNG);

      const queue = await get(`/tickets?q=${encodeURIComponent("office wi")}`);
      assert.equal(queue.statusCode, 200, queue.body);
      assert.deepEqual(
        (queue.json() as { items: { reference: string }[] }).items.map((i) => i.reference),
        [refs[2]],
      );
      const kb = await moved.app.inject({ url: `/api/public/portals/${team.ws.slug}/kb/search?q=refund` });
      assert.equal(kb.statusCode, 200, kb.body);
      assert.deepEqual(
        (kb.json() as { items: { slug: string }[] }).items.map((i) => i.slug),
        ["refunds"],
      );
      const next = await submitTicket(moved, team.ws.slug, { subject: "After the move" });
      assert.equal(next.reference, "TKT-0004");
    } finally {
      await moved.close();
    }
  });
});
