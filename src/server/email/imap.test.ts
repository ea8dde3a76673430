import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Logger, pino } from "pino";
import { parseImapUrl } from "../lib/imap-url.ts";
import { hasDovecot, NO_DOVECOT, startDovecot, type TestDovecot } from "./dovecot.test-support.ts";
import { type IngestRaw, MAX_MESSAGE_BYTES, pollImapOnce, startImapPoller } from "./imap.poller.ts";

// Against a real Dovecot on loopback (dovecot.test-support.ts). Each test has its own mailbox.

type Line = { level: number; msg: string; [k: string]: unknown };

function captureLog(): { log: Logger; lines: Line[]; warnings: () => Line[] } {
  const lines: Line[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines, warnings: () => lines.filter((l) => l.level === 40) };
}

function message(n: number, extra = ""): Buffer {
  return Buffer.from(
    `From: Customer ${n} <c${n}@example.com>\r\n` +
      "To: support@example.test\r\n" +
      `Subject: Question ${n} ${extra}\r\n` +
      `Message-ID: <q${n}.${Date.now()}@example.com>\r\n` +
      "MIME-Version: 1.0\r\n" +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      "Content-Transfer-Encoding: 8bit\r\n" +
      "\r\n" +
      `Hello, message ${n}.\r\n${extra}\r\n`,
  );
}

type Got = { raw: Buffer; mailbox: string; uid: number; via: string };

function collector(fail?: (uid: number) => boolean): { ingest: IngestRaw; got: Got[] } {
  const got: Got[] = [];
  return {
    got,
    ingest: async (raw, meta) => {
      got.push({ raw, ...meta });
      if (fail?.(meta.uid)) throw new Error(`ingest refused ${meta.uid}`);
    },
  };
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("parseImapUrl", () => {
  it("reads host, port, user, password and mailbox, with defaults", () => {
    assert.deepEqual(parseImapUrl("imap://help:pw@mail.example.com:1143/Support"), {
      secure: false,
      host: "mail.example.com",
      port: 1143,
      user: "help",
      pass: "pw",
      mailbox: "Support",
    });
    const d = parseImapUrl("imaps://help:pw@mail.example.com");
    assert.equal(d.secure, true);
    assert.equal(d.port, 993);
    assert.equal(d.mailbox, "INBOX");
    assert.equal(parseImapUrl("imap://help:pw@mail.example.com/").port, 143);
    assert.equal(parseImapUrl("imap://help:pw@mail.example.com/").mailbox, "INBOX");
    assert.equal(parseImapUrl("imap://help:pw@[::1]:143/").host, "::1");
  });

  it("percent-decodes user, password and mailbox", () => {
    const p = parseImapUrl(
      "imaps://support%40example.com:p%40ss%3Aw%2Frd%25%20x@imap.example.com/Help%20Desk/Inbound",
    );
    assert.equal(p.user, "support@example.com");
    assert.equal(p.pass, "p@ss:w/rd% x");
    assert.equal(p.mailbox, "Help Desk/Inbound");
  });

  it("refuses what it cannot use, saying what is wrong", () => {
    assert.throws(() => parseImapUrl("not a url"), /not a valid URL/);
    assert.throws(
      () => parseImapUrl("http://u:p@mail.example.com/"),
      /must start with imap:\/\/ or imaps:\/\//,
    );
    assert.throws(() => parseImapUrl("pop3://u:p@mail.example.com/"), /imap:\/\/ or imaps:\/\//);
    assert.throws(() => parseImapUrl("imap:///INBOX"), /no host/);
    assert.throws(() => parseImapUrl("imap://mail.example.com/INBOX"), /no user name/);
    assert.throws(() => parseImapUrl("imap://u@mail.example.com/INBOX"), /no password/);
    assert.throws(() => parseImapUrl("imap://u:p@mail.example.com/INBOX?x=1"), /query/);
    assert.throws(() => parseImapUrl("imap://u:%E0%A4@mail.example.com/"), /percent-encoding/);
  });
});

describe("IMAP polling against Dovecot", { skip: hasDovecot ? false : NO_DOVECOT }, () => {
  let d: TestDovecot;
  before(async () => {
    const started = await startDovecot();
    assert.ok(started, "Dovecot is installed but did not start");
    d = started;
  });
  after(async () => {
    await d?.stop();
  });

  it("hands each unseen message on once, byte for byte and in UID order, then marks it seen", async () => {
    const box = "Fetch";
    const raws = [message(1), message(2, "Grüße, naïve café ☕ — ünïcödé"), message(3, "x".repeat(5000))];
    const uids = await d.appendMany(raws, box);
    const readAlready = await d.appendRaw(message(4), ["\\Seen"], box);
    const { log } = captureLog();
    const { ingest, got } = collector();
    const settings = { url: d.urlFor(box), intervalSeconds: 60 };

    const counts = await pollImapOnce(settings, ingest, log);
    assert.deepEqual(counts, { fetched: 3, ingested: 3, failed: 0 });
    assert.deepEqual(
      got.map((g) => g.uid),
      uids,
    );
    for (const [i, g] of got.entries()) {
      assert.ok(Buffer.isBuffer(g.raw));
      assert.ok(g.raw.equals(raws[i] as Buffer), `message ${i + 1} arrives byte for byte`);
      assert.equal(g.mailbox, box);
      assert.equal(g.via, "imap");
    }
    assert.ok(!got.some((g) => g.uid === readAlready), "an already seen message is left alone");
    const flags = await d.seenFlags(box);
    for (const uid of uids) assert.equal(flags.get(uid), true, `UID ${uid} is marked seen`);

    const again = await pollImapOnce(settings, ingest, log);
    assert.deepEqual(again, { fetched: 0, ingested: 0, failed: 0 });
    assert.equal(got.length, 3, "nothing is handed on twice");
  });

  it("fetches a mailbox of many messages in batches, all of them in order", async () => {
    const box = "Many";
    const uids = await d.appendMany(
      Array.from({ length: 120 }, (_, i) => message(i)),
      box,
    );
    const { ingest, got } = collector();
    const counts = await pollImapOnce({ url: d.urlFor(box), intervalSeconds: 60 }, ingest, captureLog().log);
    assert.deepEqual(counts, { fetched: 120, ingested: 120, failed: 0 });
    assert.deepEqual(
      got.map((g) => g.uid),
      uids,
    );
    assert.ok([...(await d.seenFlags(box)).values()].every(Boolean));
  });

  it("skips a message over 25 MB with a warning and marks it seen, and goes on with the others", async () => {
    const box = "Big";
    const line = `${"x".repeat(76)}\r\n`;
    const big = Buffer.concat([
      message(1),
      Buffer.from(line.repeat(Math.ceil(MAX_MESSAGE_BYTES / line.length))),
    ]);
    assert.ok(big.length > MAX_MESSAGE_BYTES);
    const bigUid = await d.appendRaw(big, [], box);
    const small = message(2);
    const smallUid = await d.appendRaw(small, [], box);
    const { log, warnings } = captureLog();
    const { ingest, got } = collector();
    assert.deepEqual(await pollImapOnce({ url: d.urlFor(box), intervalSeconds: 60 }, ingest, log), {
      fetched: 1,
      ingested: 1,
      failed: 0,
    });
    assert.deepEqual(
      got.map((g) => g.uid),
      [smallUid],
    );
    assert.ok(got[0]?.raw.equals(small));
    assert.equal(await d.isSeen(bigUid, box), true, "the oversized one is not tried again");
    const w = warnings().find((l) => l.uid === bigUid);
    assert.ok(w, "a warning names the skipped message");
    assert.equal(w.size, big.length);
  });

  it("leaves a message whose ingest threw unseen, goes on with the others, and retries it next poll", async () => {
    const box = "Retry";
    const [a, b, c] = (await d.appendMany([message(1), message(2), message(3)], box)) as [
      number,
      number,
      number,
    ];
    const settings = { url: d.urlFor(box), intervalSeconds: 60 };
    const { log, warnings } = captureLog();
    const first = collector((uid) => uid === b);

    assert.deepEqual(await pollImapOnce(settings, first.ingest, log), { fetched: 3, ingested: 2, failed: 1 });
    assert.deepEqual(
      first.got.map((g) => g.uid),
      [a, b, c],
    );
    assert.deepEqual(
      await d.seenFlags(box),
      new Map([
        [a, true],
        [b, false],
        [c, true],
      ]),
    );
    const warned = warnings().find((l) => l.uid === b);
    assert.ok(warned, "the failure is logged as a warning");
    assert.match(warned.msg, /ingest refused/);

    const second = collector();
    assert.deepEqual(await pollImapOnce(settings, second.ingest, log), {
      fetched: 1,
      ingested: 1,
      failed: 0,
    });
    assert.deepEqual(
      second.got.map((g) => g.uid),
      [b],
    );
    assert.equal(await d.isSeen(b, box), true);
  });

  it("a wrong password rejects the poll with a clear error, and the poller logs it as a warning", async () => {
    const wrong = d.url.replace(encodeURIComponent(d.pass), "not-the-password");
    assert.notEqual(wrong, d.url);
    const { log, lines, warnings } = captureLog();
    const { ingest, got } = collector();
    await assert.rejects(pollImapOnce({ url: wrong, intervalSeconds: 60 }, ingest, log), (e: Error) => {
      assert.match(e.message, /IMAP login failed for support@example\.test@127\.0\.0\.1:\d+\/INBOX/);
      assert.ok(!e.message.includes("not-the-password"));
      return true;
    });

    const poller = startImapPoller({ url: wrong, intervalSeconds: 0.05 }, ingest, log);
    await until("a warning", () => warnings().length >= 2);
    await poller.stop();
    const w = warnings()[0] as Line;
    assert.match(w.msg, /IMAP poll failed, retrying in 0\.05 s: IMAP login failed/);
    assert.equal(got.length, 0);
    const all = JSON.stringify(lines);
    assert.ok(!all.includes("not-the-password"), "no password in the logs");
    assert.ok(!all.includes(d.pass) && !all.includes(encodeURIComponent(d.pass)));
  });

  it("a server that is down or a missing mailbox rejects the poll with the reason", async () => {
    const { ingest } = collector();
    const { log } = captureLog();
    const down = `imap://u:p@127.0.0.1:1/INBOX`;
    await assert.rejects(
      pollImapOnce({ url: down, intervalSeconds: 60 }, ingest, log),
      /IMAP connection to 127\.0\.0\.1:1 failed: .*ECONNREFUSED/,
    );
    await assert.rejects(
      pollImapOnce({ url: d.urlFor("NoSuchBox"), intervalSeconds: 60 }, ingest, log),
      /IMAP mailbox "NoSuchBox" could not be opened/,
    );
  });

  it("the poller picks up a message that arrives after it started, and stop() waits for the poll in progress", async () => {
    const box = "Live";
    await d.appendRaw(message(0), ["\\Seen"], box); // creates the mailbox
    const { log, warnings } = captureLog();
    const got: Got[] = [];
    let inIngest = 0;
    let maxInIngest = 0;
    let hold: Promise<void> | undefined;
    const ingest: IngestRaw = async (raw, meta) => {
      inIngest++;
      maxInIngest = Math.max(maxInIngest, inIngest);
      got.push({ raw, ...meta });
      await hold;
      inIngest--;
    };
    const poller = startImapPoller({ url: d.urlFor(box), intervalSeconds: 0.05 }, ingest, log);

    const raw = message(1);
    const uid = await d.appendRaw(raw, [], box);
    await until("the new message is ingested", () => got.length === 1);
    assert.ok(got[0]?.raw.equals(raw));
    await until("it is marked seen", () => d.isSeen(uid, box));

    // A poll busy in ingest: stop() must not resolve before it finished.
    let release = () => {};
    hold = new Promise<void>((r) => {
      release = r;
    });
    const second = await d.appendRaw(message(2), [], box);
    await until("the second message is in ingest", () => got.length === 2);
    let stopped = false;
    const stopping = poller.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(stopped, false, "stop() waits for the poll in progress");
    release();
    await stopping;
    assert.equal(await d.isSeen(second, box), true, "the poll in progress finished its work");

    // Stopped: nothing more is fetched.
    const late = await d.appendRaw(message(3), [], box);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(got.length, 2);
    assert.equal(await d.isSeen(late, box), false);
    assert.equal(maxInIngest, 1, "never two polls at once");
    assert.deepEqual(warnings(), []);
  });
});
