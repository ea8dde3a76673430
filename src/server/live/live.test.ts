import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { publishNotified } from "../notifications/notify.ts";
import { makeAgent, makeTeam, makeWorkspace, signIn, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { MAX_STREAMS_PER_AGENT } from "./streams.ts";

// The live stream of the agents' app over real HTTP (server-sent events), presence heartbeats,
// and the reply collision guard.

let t: TestEnv;
let base: string;
before(async () => {
  t = await testEnv();
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
after(() => t.close());

interface Stream {
  status: number;
  /** The next data event (parsed), or null when the stream ended first. */
  next(): Promise<Record<string, unknown> | null>;
  /** Everything received so far, raw. */
  raw(): string;
  close(): void;
}

/** A stream over its own connection (node:http), so closing it closes the connection. */
async function openStream(cookie: string, url = base): Promise<Stream> {
  const { req, res } = await new Promise<{ req: http.ClientRequest; res: http.IncomingMessage }>(
    (resolve, reject) => {
      const req = http.get(`${url}/api/workspace/live`, { headers: { cookie }, agent: false }, (res) =>
        resolve({ req, res }),
      );
      req.on("error", reject);
    },
  );
  let text = "";
  let consumed = 0;
  let ended = false;
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => {
    text += chunk;
    wake();
  });
  const finish = () => {
    ended = true;
    wake();
  };
  res.on("end", finish);
  res.on("close", finish);
  res.on("error", finish);
  return {
    status: res.statusCode ?? 0,
    raw: () => text,
    close: () => req.destroy(),
    async next() {
      for (;;) {
        const frames = text.slice(consumed).split("\n\n");
        // The last piece is incomplete (or empty).
        for (let i = 0; i < frames.length - 1; i++) {
          const frame = frames[i] as string;
          consumed += frame.length + 2;
          const data = frame
            .split("\n")
            .filter((l) => l.startsWith("data: "))
            .map((l) => l.slice(6))
            .join("\n");
          if (data) return JSON.parse(data) as Record<string, unknown>;
        }
        if (ended) return null;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

describe("the live stream", () => {
  test("an agent hears their workspace's ticket changes; another workspace's agent hears nothing of them", async () => {
    const { ws, agent, admin } = await makeTeam(t);
    const other = await makeWorkspace(t);
    const outsider = await signIn(t, other.slug, (await makeAgent(t, other.id)).email);
    const mine = await openStream(agent.cookie);
    const theirs = await openStream(outsider.cookie);
    assert.equal(mine.status, 200);
    assert.match(mine.raw() || "retry", /retry/);

    const s = await submitTicket(t, ws.slug);
    assert.deepEqual(await mine.next(), { topic: "ticket", reference: s.reference });
    const patch = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: admin.headers,
      payload: { priority: "high" },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    assert.deepEqual(await mine.next(), { topic: "ticket", reference: s.reference });

    // The outsider's first event is their own workspace's ticket, not the two above.
    const theirsTicket = await submitTicket(t, other.slug);
    assert.deepEqual(await theirs.next(), { topic: "ticket", reference: theirsTicket.reference });
    assert.equal(theirs.raw().split("data: ").length - 1, 1, "one event: their own");
    mine.close();
    theirs.close();
  });

  test("a notification reaches only the agents it names", async () => {
    const { ws, agent, admin } = await makeTeam(t);
    const told = await openStream(agent.cookie);
    const notTold = await openStream(admin.cookie);
    publishNotified(t.ctx, ws.id, [agent.id]);
    const s = await submitTicket(t, ws.slug);
    assert.deepEqual(await told.next(), { topic: "notifications" });
    assert.deepEqual(await notTold.next(), { topic: "ticket", reference: s.reference });
    told.close();
    notTold.close();
  });

  test("a customer's reply on the tracking page is heard", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    const stream = await openStream(agent.cookie);
    const res = await t.app.inject({
      method: "POST",
      url: `${trackUrl(ws.slug, s)}`.replace(`?t=`, `/replies?t=`),
      payload: { body: "Any news?" },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(await stream.next(), { topic: "ticket", reference: s.reference });
    stream.close();
  });

  test("signing out ends the session's streams; without a session there is none", async () => {
    const { ws } = await makeTeam(t);
    const a = await signIn(t, ws.slug, (await makeAgent(t, ws.id)).email);
    const stream = await openStream(a.cookie);
    assert.equal(stream.status, 200);
    const out = await t.app.inject({ method: "POST", url: "/api/workspace/sign-out", headers: a.headers });
    assert.equal(out.statusCode, 204);
    assert.equal(await stream.next(), null, "the stream ended");
    const again = await openStream(a.cookie);
    assert.equal(again.status, 401);
  });

  test(`at most ${MAX_STREAMS_PER_AGENT} streams per agent`, async () => {
    const { agent } = await makeTeam(t);
    const open: Stream[] = [];
    for (let i = 0; i < MAX_STREAMS_PER_AGENT; i++) open.push(await openStream(agent.cookie));
    assert.ok(open.every((s) => s.status === 200));
    const refused = await openStream(agent.cookie);
    assert.equal(refused.status, 429);
    assert.equal(await refused.next(), null);
    assert.match(refused.raw(), /too_many_streams/);
    for (const s of open) s.close();
  });
});

describe("presence", () => {
  test("viewing and typing are shared, and expire without heartbeats", async () => {
    const { ws, agent, admin } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    const beat = (who: typeof agent, state: string, ref = s.reference) =>
      t.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${ref}/presence`,
        headers: who.headers,
        payload: { state },
      });
    const watching = await openStream(admin.cookie);
    const first = await beat(agent, "viewing");
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(first.json().others, []);
    const heard = await watching.next();
    assert.equal(heard?.topic, "presence");
    assert.equal(heard?.reference, s.reference);
    assert.equal((heard?.data as { name?: string } | undefined)?.name, "Sam Agent");

    assert.equal((await beat(agent, "typing")).statusCode, 200);
    const seen = (await beat(admin, "viewing")).json().others;
    assert.deepEqual(
      seen.map((p: { name: string; state: string }) => [p.name, p.state]),
      [["Sam Agent", "typing"]],
    );
    t.advance(10_000);
    assert.deepEqual(
      (await beat(admin, "viewing")).json().others.map((p: { state: string }) => p.state),
      ["viewing"],
      "typing falls back to viewing",
    );
    t.advance(41_000);
    assert.deepEqual((await beat(admin, "viewing")).json().others, [], "gone without a heartbeat");
    assert.equal((await beat(admin, "dancing")).statusCode, 400);
    assert.equal((await beat(admin, "viewing", "TKT-999999")).statusCode, 404);
    watching.close();
  });
});

describe("reply collision", () => {
  test("a reply written before the customer's newer message is refused until sent anyway", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug, { description: "It is on fire" });
    const detail = await t.app.inject({
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
    });
    // The description is the ticket's, not a message: nothing seen yet.
    const seen = (detail
      .json()
      .conversation.filter((e: { author: { type: string } }) => e.author.type === "contact")
      .at(-1)?.id ?? "") as string;
    const customer = await t.app.inject({
      method: "POST",
      url: `${trackUrl(ws.slug, s)}`.replace(`?t=`, `/replies?t=`),
      payload: { body: "Now it is smoking too" },
    });
    assert.equal(customer.statusCode, 201, customer.body);
    const reply = (extra: Record<string, unknown>) =>
      t.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${s.reference}/replies`,
        headers: agent.headers,
        payload: { body: "Please unplug it.", ...extra },
      });
    const refused = await reply({ seenMessage: seen });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().error.code, "newer_message");
    const sent = await reply({ seenMessage: seen, sendAnyway: true });
    assert.equal(sent.statusCode, 201, sent.body);
    const latest = sent
      .json()
      .ticket.conversation.filter((e: { author: { type: string } }) => e.author.type === "contact")
      .at(-1).id as string;
    assert.equal((await reply({ seenMessage: latest })).statusCode, 201, "nothing newer: sent");
  });

  test("the ticket page's form asks first, shows the new message and offers Send anyway", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug, { description: "First words" });
    const page = await t.app.inject({
      url: `/app/tickets/${s.reference}`,
      headers: { cookie: agent.cookie },
    });
    const seen = /name="seenMessage" value="([^"]*)"/.exec(page.body)?.[1];
    assert.notEqual(seen, undefined);
    assert.match(page.body, /id="presence"[^>]*aria-live="polite"/);
    await t.app.inject({
      method: "POST",
      url: `${trackUrl(ws.slug, s)}`.replace(`?t=`, `/replies?t=`),
      payload: { body: "Second words" },
    });
    const form = (extra: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/app/tickets/${s.reference}/messages`,
        headers: { cookie: agent.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          _csrf: agent.csrf,
          kind: "reply",
          body: "My answer",
          seenMessage: seen ?? "",
          ...extra,
        }).toString(),
      });
    const asked = await form({});
    assert.equal(asked.statusCode, 409);
    assert.match(asked.body, /Second words/);
    assert.match(asked.body, /My answer<\/textarea>/);
    assert.match(asked.body, /name="sendAnyway" value="true"/);
    const sent = await form({ sendAnyway: "true" });
    assert.equal(sent.statusCode, 303, sent.body);
  });
});

describe("shutdown", () => {
  test("closing the server ends the open streams rather than waiting for them", async () => {
    const own = await testEnv();
    await own.app.listen({ port: 0, host: "127.0.0.1" });
    const ws = await makeWorkspace(own);
    const a = await signIn(own, ws.slug, (await makeAgent(own, ws.id)).email);
    const port = (own.app.server.address() as AddressInfo).port;
    const stream = await openStream(a.cookie, `http://127.0.0.1:${port}`);
    assert.equal(stream.status, 200);
    const ended = stream.next();
    await own.close();
    assert.equal(await ended, null, "the stream ended");
  });
});
