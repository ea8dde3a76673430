import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { crc32, deflateSync } from "node:zlib";
import { Jimp } from "jimp";
import { MAX_FILE_BYTES } from "../../shared/files.ts";
import { systemActor } from "../actors.ts";
import { AppError } from "../errors.ts";
import {
  makeCustomer,
  makeTeam,
  makeWorkspace,
  type SignedInAgent,
  submitTicket,
} from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { attachmentChips } from "../web/attachments.ts";
import { attachmentViews } from "./file.access.ts";
import { claimUploads, sweepUnattached } from "./file.service.ts";
import { ALLOWED_TYPES, checkFileName } from "./file.sniff.ts";
import { imageDimensions, THUMBNAIL_MAX_PX } from "./thumbnail.ts";

// Thumbnails through the app: made at upload from the sniffed image, served beside each download
// with the download's own access check, never the original bytes; and the chips' type badges.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const chunk = (type: string, data: Buffer) => {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
/** A small, valid PNG file whose header claims `width` × `height` pixels. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from("89504e470d0a1a0a", "hex"),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(4096))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

let photoPng: Buffer;
let photoJpeg: Buffer;
before(async () => {
  const png = new Jimp({ width: 600, height: 400, color: 0x3366ccff });
  png.scan(0, 0, 300, 400, (_x, _y, idx) => {
    png.bitmap.data[idx] = 0xee;
  });
  photoPng = await png.getBuffer("image/png");
  photoJpeg = await new Jimp({ width: 480, height: 800, color: 0x88aa22ff }).getBuffer("image/jpeg");
});

const publicUpload = (slug: string, name: string, body: Buffer) =>
  t.app.inject({
    method: "POST",
    url: `/api/public/upload?portal=${slug}&name=${encodeURIComponent(name)}`,
    headers: { "content-type": "application/octet-stream" },
    payload: body,
  });
async function uploaded(slug: string, name: string, body: Buffer) {
  const res = await publicUpload(slug, name, body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; key: string };
}
async function agentUploaded(a: SignedInAgent, name: string, body: Buffer) {
  const res = await t.app.inject({
    method: "POST",
    url: `/api/workspace/uploads?name=${encodeURIComponent(name)}`,
    headers: { ...a.headers, "content-type": "application/octet-stream" },
    payload: body,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; key: string };
}
const thumbKeyOf = async (id: string) =>
  (
    await t.ctx.database.db
      .selectFrom("attachments")
      .select("thumb_key")
      .where("id", "=", id)
      .executeTakeFirstOrThrow()
  ).thumb_key;

/** The tracking page as a browser gets it: the link's token is kept in a cookie, then the page. */
async function trackingPage(slug: string, reference: string, token: string) {
  const first = await t.app.inject({ url: `/portal/${slug}/tickets/${reference}?t=${token}` });
  if (first.statusCode !== 302 && first.statusCode !== 303) return first;
  const cookie = first.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  return t.app.inject({ url: String(first.headers.location), headers: { cookie } });
}

function assertSafeThumbnail(
  res: Awaited<ReturnType<TestEnv["app"]["inject"]>>,
  type: string,
  original: Buffer,
) {
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers["content-type"], type);
  assert.equal(res.headers["x-content-type-options"], "nosniff");
  assert.match(String(res.headers["content-security-policy"]), /default-src 'none'/);
  assert.match(String(res.headers["cache-control"]), /^private/);
  assert.notDeepEqual(res.rawPayload, original, "never the original bytes");
  assert.ok(res.rawPayload.length < original.length);
}

describe("thumbnails", () => {
  test("a PNG sent with a request: a smaller PNG beside the download, shown in the chip", async () => {
    const ws = await makeWorkspace(t);
    const up = await uploaded(ws.slug, "screen.png", photoPng);
    const s = await submitTicket(t, ws.slug, { attachments: [up.key] } as never);
    const view = (
      await t.app.inject({ url: `/api/public/portals/${ws.slug}/tickets/${s.reference}?t=${s.token}` })
    ).json();
    assert.equal(view.attachments[0].thumbnail, true);

    const base = `/api/public/portals/${ws.slug}/tickets/${s.reference}/attachments/${up.id}`;
    const res = await t.app.inject({ url: `${base}/thumbnail?t=${s.token}` });
    assertSafeThumbnail(res, "image/png", photoPng);
    const img = await Jimp.fromBuffer(res.rawPayload);
    assert.equal(img.bitmap.width, THUMBNAIL_MAX_PX);
    assert.equal(img.bitmap.height, Math.round((400 / 600) * THUMBNAIL_MAX_PX), "the proportions are kept");

    // The thumbnail is sealed at rest like the file itself.
    const key = await thumbKeyOf(up.id);
    assert.ok(key);
    const sealed = Buffer.concat(
      await (
        (await t.ctx.files.store.get(key)) as NodeJS.ReadableStream & { toArray(): Promise<Buffer[]> }
      ).toArray(),
    );
    assert.equal(sealed.subarray(0, 4).toString(), "PTF1");

    const page = await trackingPage(ws.slug, s.reference, s.token);
    const pageThumb = `/portal/${ws.slug}/tickets/${s.reference}/attachments/${up.id}/thumbnail`;
    assert.match(
      page.body,
      new RegExp(`<img class="chip-thumb" src="${pageThumb}" alt="" width="48" height="48" loading="lazy"`),
    );
    assert.match(page.body, /chip-name">screen\.png</, "the name beside the picture");
    assertSafeThumbnail(await t.app.inject({ url: `${pageThumb}?t=${s.token}` }), "image/png", photoPng);

    // The token of another ticket, no token, another workspace's portal: the same 404.
    const other = await submitTicket(t, ws.slug);
    assert.equal((await t.app.inject({ url: `${base}/thumbnail?t=${other.token}` })).statusCode, 404);
    assert.equal((await t.app.inject({ url: `${base}/thumbnail` })).statusCode, 404);
    const stranger = await makeWorkspace(t);
    const elsewhere = `/api/public/portals/${stranger.slug}/tickets/${s.reference}/attachments/${up.id}/thumbnail?t=${s.token}`;
    assert.equal((await t.app.inject({ url: elsewhere })).statusCode, 404);
  });

  test("a JPEG from an agent: a JPEG thumbnail for the workspace's agents only", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const up = await agentUploaded(team.agent, "photo.jpg", photoJpeg);
    const reply = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: team.agent.headers,
      payload: { body: "A photo", attachments: [up.key] },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    const url = `/api/workspace/attachments/${up.id}/thumbnail`;
    const res = await t.app.inject({ url, headers: team.agent.headers });
    assertSafeThumbnail(res, "image/jpeg", photoJpeg);
    const img = await Jimp.fromBuffer(res.rawPayload);
    assert.deepEqual(
      [img.bitmap.width, img.bitmap.height],
      [Math.round((480 / 800) * THUMBNAIL_MAX_PX), THUMBNAIL_MAX_PX],
    );

    const page = await t.app.inject({
      url: `/app/tickets/${s.reference}`,
      headers: { cookie: team.agent.cookie },
    });
    assert.ok(page.body.includes(`src="${url}"`), "the agent's chip shows it");

    const other = await makeTeam(t);
    assert.equal((await t.app.inject({ url, headers: other.agent.headers })).statusCode, 404);
    assert.equal((await t.app.inject({ url })).statusCode, 401);
  });

  test("a signed-in customer sees the thumbnails of their own requests only", async () => {
    const team = await makeTeam(t);
    const pat = await makeCustomer(t, team.ws.id, { name: "Pat" });
    const sam = await makeCustomer(t, team.ws.id, { name: "Sam" });
    const up = await uploaded(team.ws.slug, "scan.png", photoPng);
    const s = await submitTicket(t, team.ws.slug, {
      email: pat.email,
      name: pat.name,
      attachments: [up.key],
    } as never);
    const api = `/api/portal/${team.ws.slug}/tickets/${s.reference}/attachments/${up.id}/thumbnail`;
    const page = `/portal/${team.ws.slug}/requests/${s.reference}/attachments/${up.id}/thumbnail`;
    assertSafeThumbnail(
      await t.app.inject({ url: api, headers: { cookie: pat.cookie } }),
      "image/png",
      photoPng,
    );
    assertSafeThumbnail(
      await t.app.inject({ url: page, headers: { cookie: pat.cookie } }),
      "image/png",
      photoPng,
    );
    const html = await t.app.inject({
      url: `/portal/${team.ws.slug}/requests/${s.reference}`,
      headers: { cookie: pat.cookie },
    });
    assert.ok(html.body.includes(`src="${page}"`), "the request page's chip shows it");
    assert.equal((await t.app.inject({ url: api, headers: { cookie: sam.cookie } })).statusCode, 404);
    assert.equal((await t.app.inject({ url: page, headers: { cookie: sam.cookie } })).statusCode, 404);
  });

  test("SVG, a PNG claiming 100000 × 100000 pixels and a damaged PNG get none, and the upload still works", async () => {
    const ws = await makeWorkspace(t);
    const svg = await uploaded(
      ws.slug,
      "logo.svg",
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
      ),
    );
    const bomb = pngClaiming(100_000, 100_000);
    assert.deepEqual(imageDimensions(bomb, "image/png"), { width: 100_000, height: 100_000 });
    const big = await uploaded(ws.slug, "bomb.png", bomb);
    const damaged = await uploaded(ws.slug, "damaged.png", pngClaiming(64, 64).subarray(0, 60));
    const s = await submitTicket(t, ws.slug, { attachments: [svg.key, big.key, damaged.key] } as never);
    const view = (
      await t.app.inject({ url: `/api/public/portals/${ws.slug}/tickets/${s.reference}?t=${s.token}` })
    ).json();
    assert.deepEqual(
      view.attachments.map((a: { name: string; thumbnail: boolean }) => [a.name, a.thumbnail]),
      [
        ["logo.svg", false],
        ["bomb.png", false],
        ["damaged.png", false],
      ],
    );
    for (const id of [svg.id, big.id, damaged.id]) {
      assert.equal(await thumbKeyOf(id), null);
      const res = await t.app.inject({
        url: `/api/public/portals/${ws.slug}/tickets/${s.reference}/attachments/${id}/thumbnail?t=${s.token}`,
      });
      assert.equal(res.statusCode, 404);
    }
    const page = await trackingPage(ws.slug, s.reference, s.token);
    assert.doesNotMatch(page.body, /chip-thumb/, "badges, not broken pictures");
    assert.match(page.body, /icon-image" aria-hidden="true">SVG</);
    assert.match(page.body, /icon-image" aria-hidden="true">PNG</);
  });

  test("an upload never attached is swept with its thumbnail", async () => {
    const ws = await makeWorkspace(t);
    const gif = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");
    assert.deepEqual(imageDimensions(gif, "image/gif"), { width: 1, height: 1 });
    assert.ok(await thumbKeyOf((await uploaded(ws.slug, "dot.gif", gif)).id), "a GIF gets one too");
    const up = await uploaded(ws.slug, "loose.png", photoPng);
    const key = await thumbKeyOf(up.id);
    assert.ok(key && (await t.ctx.files.store.get(key)), "made at upload");
    t.advance(25 * 3600_000);
    try {
      assert.ok((await sweepUnattached(t.ctx, systemActor("upload sweep"))) >= 1);
    } finally {
      t.advance(-25 * 3600_000);
    }
    assert.equal(await t.ctx.files.store.get(key), null, "the thumbnail's object is gone too");
  });
});

describe("type badges", () => {
  test("each badge names the real type", () => {
    const badges = Object.fromEntries(ALLOWED_TYPES.map((a) => [a.extensions[0], a.badge]));
    assert.deepEqual(badges, {
      jpg: "JPEG",
      png: "PNG",
      gif: "GIF",
      webp: "WebP",
      svg: "SVG",
      pdf: "PDF",
      txt: "Text",
      csv: "CSV",
      doc: "Word",
      docx: "Word",
      xls: "Excel",
      xlsx: "Excel",
    });
  });

  test("a CSV chip reads CSV, a text file Text, a workbook Excel", () => {
    const row = (name: string, content_type: string) => ({
      id: name,
      file_name: name,
      size_bytes: 10,
      content_type,
      comment_id: null,
    });
    const html = String(
      attachmentChips(
        attachmentViews([
          row("report.csv", "text/csv"),
          row("notes.txt", "text/plain"),
          row("budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
          row("letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
          row("invoice.pdf", "application/pdf"),
        ]),
        (f) => `/f/${f.id}`,
      ),
    );
    const badges = [...html.matchAll(/aria-hidden="true">([^<]+)</g)].map((m) => m[1]);
    assert.deepEqual(badges, ["CSV", "Text", "Excel", "Word", "PDF"]);
    assert.doesNotMatch(html, /XLS|TXT|<img/);
  });
});

describe("every refusal names the file", () => {
  test("names, types, emptiness and size", async () => {
    for (const name of ["../secret.txt", ".hidden.txt", 'say "hi".txt', "setup.exe"]) {
      assert.throws(
        () => checkFileName(name),
        (err: Error & { fields?: Record<string, string> }) =>
          err.message.includes(name) && Object.values(err.fields ?? {}).some((f) => f.includes(name)),
        name,
      );
    }
    const bidi = "evil\u202Egnp.txt";
    assert.throws(
      () => checkFileName(bidi),
      (err: Error) => err.message.includes("evil\uFFFDgnp.txt") && !err.message.includes("\u202E"),
      "shown without the direction override",
    );
    const ws = await makeWorkspace(t);
    const cases: [string, Buffer, string][] = [
      ["empty.txt", Buffer.alloc(0), "file_empty"],
      ["fake.png", Buffer.from("just text\n"), "file_type_mismatch"],
      ["huge report.txt", Buffer.alloc(MAX_FILE_BYTES + 1, 0x61), "file_too_large"],
    ];
    for (const [name, body, code] of cases) {
      const err = (await publicUpload(ws.slug, name, body)).json().error;
      assert.equal(err.code, code);
      assert.ok(err.message.includes(`“${name}”`), err.message);
      assert.ok(
        Object.values(err.fields as Record<string, string>).some((f) => f.includes(name)),
        code,
      );
    }
  });

  test("one file too many, or one past its 24 hours, is named when it is attached", async () => {
    const ws = await makeWorkspace(t);
    const ups: { key: string }[] = [];
    for (const n of [1, 2, 3, 4])
      ups.push(await uploaded(ws.slug, `part ${n}.txt`, Buffer.from(`part ${n}\n`)));
    // The API's schema caps the list first; the pages' form posts reach this check.
    const four = await t.ctx.database.db
      .transaction()
      .execute((tx) =>
        claimUploads(
          t.ctx,
          tx,
          { kind: "public" },
          { workspaceId: ws.id, ticketId: "none", commentId: null },
          ups.map((u) => u.key),
          3,
        ),
      )
      .catch((err: AppError) => err);
    assert.ok(four instanceof AppError);
    assert.equal(four.code, "too_many_files");
    assert.match(four.message, /“part 4\.txt” was not attached/);

    const old = await uploaded(ws.slug, "old notes.txt", Buffer.from("old\n"));
    t.advance(25 * 3600_000);
    try {
      const late = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${ws.slug}/tickets`,
        payload: { name: "C", email: "c@c.test", subject: "late", attachments: [old.key] },
      });
      assert.equal(late.json().error.code, "upload_not_found");
      assert.match(late.json().error.message, /“old notes\.txt” was uploaded more than 24 hours ago/);
    } finally {
      t.advance(-25 * 3600_000);
    }
  });
});
