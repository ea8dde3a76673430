import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { systemActor } from "../actors.ts";
import { deliverDueEmails } from "../email/delivery.ts";
import { type SmtpSink, startSmtpSink } from "../email/smtp-sink.test-support.ts";
import { cookieName } from "../http/shared/cookies.ts";
import { makeTeam, openPreSessionForm, PASSWORD } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// An admin adds an agent without a password: the agent gets an email (over real SMTP to a sink)
// with a link that lets them choose one, once, within 7 days.

const delivery = systemActor("outbox delivery");
let t: TestEnv;
let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
  t = await testEnv({ SMTP_URL: sink.url, PUBLIC_URL: "https://help.acme.test" });
});
after(async () => {
  await t.close();
  await sink.stop();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function invite(email: string, password?: string) {
  const { ws, admin } = await makeTeam(t);
  await deliverDueEmails(t.ctx, delivery);
  sink.received.length = 0;
  const res = await t.app.inject({
    method: "POST",
    url: "/api/workspace/agents",
    headers: admin.headers,
    payload: { email, name: "Nia New", role: "agent", ...(password ? { password } : {}) },
  });
  assert.equal(res.statusCode, 201, res.body);
  await deliverDueEmails(t.ctx, delivery);
  const mail = sink.received.find((m) => m.envelope.to.includes(email));
  assert.ok(mail, "the agent got an email");
  return { ws, admin, mail };
}

test("an invited agent chooses a password from the emailed link, once", async () => {
  const { ws, mail } = await invite("nia@team.test");
  assert.match(mail.mail.subject ?? "", /You are invited to .* on Portico/);
  const link = /https:\/\/help\.acme\.test(\/app\/invite\?t=[A-Za-z0-9_-]+)/.exec(mail.mail.text ?? "")?.[1];
  assert.ok(link);
  const token = new URL(link, "http://x").searchParams.get("t") as string;

  // Before accepting, no password signs them in.
  const early = await t.app.inject({
    method: "POST",
    url: "/api/auth/sign-in",
    payload: { workspace: ws.slug, email: "nia@team.test", password: "!invited" },
  });
  assert.equal(early.statusCode, 401);

  const page = await t.app.inject({ url: link });
  const { headers: formHeaders, csrf } = await openPreSessionForm(t, link);
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes("Welcome, Nia New"));

  const short = await t.app.inject({
    method: "POST",
    url: "/app/invite",
    headers: formHeaders,
    payload: form({ _csrf: csrf, t: token, password: "short" }),
  });
  assert.equal(short.statusCode, 400);
  assert.ok(short.body.includes("at least 10 characters"));
  const common = await t.app.inject({
    method: "POST",
    url: "/app/invite",
    headers: formHeaders,
    payload: form({ _csrf: csrf, t: token, password: "qwertyuiop" }),
  });
  assert.equal(common.statusCode, 400);
  assert.match(common.body, /Password is too common/);
  assert.equal(common.cookies.length, 0, "not signed in, and the link still works");

  const ok = await t.app.inject({
    method: "POST",
    url: "/app/invite",
    headers: formHeaders,
    payload: form({ _csrf: csrf, t: token, password: PASSWORD }),
  });
  assert.equal(ok.statusCode, 303);
  assert.equal(ok.headers.location, "/app");
  assert.ok(
    ok.cookies.some((c) => c.name === cookieName(t.ctx.config, "portico_session")),
    "signed in at once",
  );

  const again = await t.app.inject({
    method: "POST",
    url: "/app/invite",
    headers: formHeaders,
    payload: form({ _csrf: csrf, t: token, password: "another long password" }),
  });
  assert.equal(again.statusCode, 404, "the link works once");
  const signIn = await t.app.inject({
    method: "POST",
    url: "/api/auth/sign-in",
    payload: { workspace: ws.slug, email: "nia@team.test", password: PASSWORD },
  });
  assert.equal(signIn.statusCode, 200);
});

test("an invitation expires after 7 days; a wrong link gets the same page", async () => {
  const { mail } = await invite("late@team.test");
  const link = /(\/app\/invite\?t=[A-Za-z0-9_-]+)/.exec(mail.mail.text ?? "")?.[1] as string;
  t.advance(7 * 86400_000 + 60_000);
  const expired = await t.app.inject({ url: link });
  assert.equal(expired.statusCode, 404);
  const wrong = await t.app.inject({ url: "/app/invite?t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
  assert.equal(wrong.statusCode, 404);
  assert.equal(wrong.body.replace(/nonce="[^"]+"/g, ""), expired.body.replace(/nonce="[^"]+"/g, ""));
});

test("an agent added with a password is told where to sign in, and no link to set one", async () => {
  const { mail } = await invite("pat@team.test", PASSWORD);
  assert.ok(mail.mail.text?.includes("https://help.acme.test/app/sign-in"));
  assert.ok(!mail.mail.text?.includes("/app/invite"));
  assert.ok(!mail.raw.toString().includes(PASSWORD), "the password is never in the email");
});
