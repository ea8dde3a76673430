import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import nodemailer from "nodemailer";
import { PASSWORD } from "../test/factories.ts";
import { until } from "../test/portico-process.ts";
import { type Answer, type Cluster, NGINX, OPENSSL, startCluster } from "./cluster.test-support.ts";

// Three real `portico serve` processes on one PostgreSQL database, one Redis and one S3 store,
// behind nginx with docs/deploy/nginx.conf (cluster.test-support.ts). Everything goes through
// nginx, whose round robin sends each request to the next process: a session, a rate limit, a
// file and the live fragments must not care which one answers, and the work done beside
// requests (outbox, inbound mail, scheduled jobs) must be done once, not once per process.
// Runs in CI's PostgreSQL pass only.

const baseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const skip =
  !baseUrl || !redisUrl
    ? "needs DATABASE_URL and REDIS_URL (the PostgreSQL pass of CI sets both)"
    : !fs.existsSync(NGINX) || !fs.existsSync(OPENSSL)
      ? `needs ${NGINX} and ${OPENSSL}: apt-get install nginx openssl (.ci/run installs nginx)`
      : false;

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const SUBMITS_PER_HOUR = 4;

describe("three processes behind nginx", { skip, timeout: 120_000 }, () => {
  const slug = "acme";
  const adminEmail = "ada@acme.test";
  let cluster: Cluster;
  const request: Cluster["request"] = (...args) => cluster.request(...args);
  const json = (a: Answer) => JSON.parse(a.text);

  before(async () => {
    cluster = await startCluster({
      databaseBaseUrl: baseUrl as string,
      redisUrl: redisUrl as string,
      slug,
      adminEmail,
      env: { SUBMIT_RATE_LIMIT_PER_HOUR: String(SUBMITS_PER_HOUR) },
    });
  });
  after(() => cluster?.stop());

  const session: Record<string, string> = {};
  const tickets: { reference: string; token: string }[] = [];
  let fileId = "";
  const processOf = (a: Answer) => a.upstream.replace(/^127\.0\.0\.1:/, "");
  const spread = (answers: Answer[]) => new Set(answers.map(processOf));

  test("nginx sends each request to the next process", async () => {
    const answers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => request("GET", "/healthz")));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 200, 200],
    );
    assert.deepEqual([...spread(answers)].sort(), cluster.ports.map(String).sort());
  });

  test("an agent signs in on one process and is signed in on every one; the client address is the real one", async () => {
    const signIn = await request("POST", "/api/auth/sign-in", {
      body: { workspace: slug, email: adminEmail, password: PASSWORD },
    });
    assert.equal(signIn.status, 200, signIn.text);
    const cookie = ([] as string[])
      .concat(signIn.headers["set-cookie"] ?? [])
      .find((c) => c.startsWith("__Host-portico_session="));
    assert.ok(cookie, "the session cookie, Secure and __Host- since nginx says https");
    assert.match(cookie, /; Secure/i);
    session.cookie = cookie.split(";")[0] as string;
    session["x-csrf-token"] = json(signIn).csrfToken;
    const reads = [];
    for (let i = 0; i < 3; i++)
      reads.push(await request("GET", "/api/workspace/tickets", { headers: session }));
    assert.deepEqual(
      reads.map((r) => r.status),
      [200, 200, 200],
    );
    assert.equal(spread(reads).size, 3, "each read on another process");
    const ip = await cluster.sql.query("select ip from agent_sessions");
    assert.deepEqual(
      ip.rows.map((r) => r.ip),
      [cluster.clientAddress],
      "X-Forwarded-For from nginx, trusted",
    );
  });

  test("a file uploaded through one process is in S3 and downloads through every one", async () => {
    const up = await request("POST", `/api/public/upload?portal=${slug}&name=screen.png`, {
      headers: { "content-type": "application/octet-stream" },
      body: PNG,
    });
    assert.equal(up.status, 201, up.text);
    fileId = json(up).id;
    const submitted = await request("POST", `/api/public/portals/${slug}/tickets`, {
      body: {
        name: "Casey",
        email: "casey@customer.test",
        subject: "Printer on fire",
        attachments: [json(up).key],
      },
    });
    assert.equal(submitted.status, 201, submitted.text);
    const { reference, trackingUrl } = json(submitted);
    tickets.push({ reference, token: new URL(trackingUrl, cluster.base).searchParams.get("t") as string });
    const listed = await cluster.s3.send(new ListObjectsV2Command({ Bucket: cluster.bucket }));
    assert.ok((listed.KeyCount ?? 0) >= 1, "the sealed file is in the bucket");
    for (let i = 0; i < 3; i++) {
      const files = path.join(cluster.dataDirs[i] as string, "files");
      const local = fs.existsSync(files) ? fs.readdirSync(files, { recursive: true }) : [];
      assert.deepEqual(local, [], `nothing stored on process ${i}'s disk`);
    }
    const downloads = [];
    for (let i = 0; i < 3; i++)
      downloads.push(await request("GET", `/api/workspace/attachments/${fileId}`, { headers: session }));
    for (const d of downloads) {
      assert.equal(d.status, 200, d.text);
      assert.deepEqual(d.body, PNG);
    }
    assert.equal(spread(downloads).size, 3);
  });

  test("the submission limit is one count for all processes, and a forged X-Forwarded-For does not reset it", async () => {
    const answers: Answer[] = [];
    // The first of the hour's allowance went to the submission with the file.
    for (let i = 1; i <= SUBMITS_PER_HOUR; i++) {
      answers.push(
        await request("POST", `/api/public/portals/${slug}/tickets`, {
          headers: i === SUBMITS_PER_HOUR ? { "x-forwarded-for": "203.0.113.9" } : {},
          body: { name: "Casey", email: "casey@customer.test", subject: `Request ${i}` },
        }),
      );
    }
    assert.deepEqual(
      answers.map((a) => a.status),
      [...Array(SUBMITS_PER_HOUR - 1).fill(201), 429],
      answers.map((a) => a.text).join("\n"),
    );
    assert.equal(spread(answers).size, 3, "the count went through every process");
    for (const a of answers.filter((x) => x.status === 201)) {
      tickets.push({ reference: json(a).reference, token: "" });
    }
  });

  test("a reply made on one process shows in the live fragments every process answers", async () => {
    const first = tickets[0] as { reference: string; token: string };
    const reply = await request("POST", `/api/workspace/tickets/${first.reference}/replies`, {
      headers: session,
      body: { body: "Unplug it and wait a minute." },
    });
    assert.equal(reply.status, 201, reply.text);
    const live = `/portal/${slug}/tickets/${first.reference}?part=live&t=${encodeURIComponent(first.token)}`;
    const polls = [];
    for (let i = 0; i < 3; i++) polls.push(await request("GET", live));
    for (const p of polls) {
      assert.equal(p.status, 200, p.text);
      assert.match(p.text, /Unplug it and wait a minute\./);
    }
    assert.equal(spread(polls).size, 3);
    const etags = new Set(polls.map((p) => p.headers.etag));
    assert.equal(etags.size, 1, "the same state on every process");
    const unchanged = [];
    for (let i = 0; i < 3; i++) {
      unchanged.push(
        await request("GET", live, { headers: { "if-none-match": String(polls[0]?.headers.etag) } }),
      );
    }
    assert.deepEqual(
      unchanged.map((u) => u.status),
      [304, 304, 304],
    );
    const app = [];
    for (let i = 0; i < 3; i++)
      app.push(await request("GET", `/app/tickets/${first.reference}?part=live`, { headers: session }));
    for (const a of app) {
      assert.equal(a.status, 200, a.text);
      assert.match(a.text, /Unplug it and wait a minute\./);
    }
  });

  test("a change made through one process reaches the live streams of every process (Redis pub/sub)", async () => {
    const first = tickets[0] as { reference: string; token: string };
    // One stream straight to each process; the change goes through nginx to whichever is next.
    const streams = await Promise.all(
      cluster.ports.map(
        (port) =>
          new Promise<{ heard: Promise<string>; close: () => void }>((resolve, reject) => {
            const req = http.get(
              {
                host: "127.0.0.1",
                port,
                path: "/api/workspace/live",
                headers: { cookie: session.cookie },
                agent: false,
              },
              (res) => {
                if (res.statusCode !== 200) return reject(new Error(`live on ${port}: ${res.statusCode}`));
                res.setEncoding("utf8");
                let text = "";
                const heard = new Promise<string>((done) =>
                  res.on("data", (chunk: string) => {
                    text += chunk;
                    if (text.includes('"topic":"ticket"')) done(text);
                  }),
                );
                resolve({ heard, close: () => req.destroy() });
              },
            );
            req.on("error", reject);
          }),
      ),
    );
    try {
      const change = await request("PATCH", `/api/workspace/tickets/${first.reference}`, {
        headers: session,
        body: { priority: "urgent" },
      });
      assert.equal(change.status, 200, change.text);
      for (const text of await Promise.all(streams.map((s) => s.heard))) {
        assert.match(text, new RegExp(`"reference":"${first.reference}"`));
      }
    } finally {
      for (const s of streams) s.close();
    }
  });

  test("an email handed to two processes' SMTP listeners opens one ticket", async () => {
    const id = `${randomBytes(8).toString("hex")}@mail.test`;
    const raw = [
      "Authentication-Results: mx.support.test; spf=pass smtp.mailfrom=robin@mail.test; dmarc=pass header.from=mail.test",
      "From: Robin <robin@mail.test>",
      `To: ${slug}@support.test`,
      "Subject: The badge reader is offline",
      `Message-ID: <${id}>`,
      `Date: ${new Date().toUTCString()}`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Since this morning nobody gets in.",
      "",
    ].join("\r\n");
    for (const port of cluster.inboundPorts) {
      const smtp = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true });
      try {
        await smtp.sendMail({ envelope: { from: "robin@mail.test", to: [`${slug}@support.test`] }, raw });
      } finally {
        smtp.close();
      }
    }
    const count = async () =>
      Number(
        (
          await cluster.sql.query(
            "select count(*) as n from tickets where subject = 'The badge reader is offline'",
          )
        ).rows[0].n,
      );
    await until("the email's ticket", 20_000, async () => (await count()) > 0);
    await until(
      "the stored message processed",
      20_000,
      async () =>
        (await cluster.sql.query("select 1 from inbound_emails where status <> 'received'")).rowCount === 1,
    );
    const inbound = await cluster.sql.query("select message_id, status from inbound_emails");
    assert.deepEqual(inbound.rows, [{ message_id: id, status: "processed" }]);
    assert.equal(await count(), 1);
  });

  test("each of the day's scheduled jobs was claimed and run once", async () => {
    const due =
      "select key, status, attempts, locked_by from scheduled_jobs where run_at <= now() order by key";
    // The workspace's day is at noon (its zone was chosen so); the server's reminders are due from 08:00 UTC.
    const expected = ["kb_health", "nps_sweep", "monthly_report"];
    if (new Date().getUTCHours() >= 8) expected.push("task_reminders");
    const kindsOf = (rows: { key: string }[]) => rows.map((r) => String(r.key).split(":")[0]);
    // Planned by whichever process looked first (each does at its start), then run.
    await until(
      "the day's jobs planned and finished",
      20_000,
      async () => {
        const rows = (await cluster.sql.query(due)).rows;
        return kindsOf(rows).length >= expected.length && rows.every((r) => r.status !== "pending");
      },
      { state: async () => (await cluster.sql.query(due)).rows },
    );
    const rows = (await cluster.sql.query(due)).rows;
    const kinds = kindsOf(rows);
    for (const kind of expected) {
      assert.equal(kinds.filter((k) => k === kind).length, 1, `${kind}: ${JSON.stringify(rows)}`);
    }
    for (const r of rows) {
      assert.ok(["done", "skipped"].includes(r.status), JSON.stringify(r));
      assert.equal(r.attempts, 1, `${r.key} was claimed once: ${JSON.stringify(r)}`);
    }
  });

  test("every email in the outbox was delivered exactly once", async () => {
    await until(
      "the outbox to drain",
      30_000,
      async () =>
        (await cluster.sql.query("select 1 from outbox_emails where status = 'pending'")).rowCount === 0,
      {
        state: async () =>
          (
            await cluster.sql.query(
              "select kind, attempts, last_error from outbox_emails where status = 'pending'",
            )
          ).rows,
      },
    );
    const sent = (await cluster.sql.query("select message_id, status from outbox_emails")).rows;
    assert.ok(
      sent.length >= SUBMITS_PER_HOUR + 2,
      `confirmations, a reply, the email's ticket: ${sent.length}`,
    );
    assert.deepEqual(
      sent.filter((r) => r.status !== "sent"),
      [],
    );
    const received = new Map<string, number>();
    for (const m of cluster.sink.received) {
      const id = String(m.mail.messageId);
      received.set(id, (received.get(id) ?? 0) + 1);
    }
    assert.deepEqual(
      [...received.entries()].filter(([, n]) => n !== 1),
      [],
      "no message twice",
    );
    assert.deepEqual([...received.keys()].sort(), sent.map((r) => String(r.message_id)).sort());
  });
});
