import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeAgent, makeTeam, openPreSessionForm, PASSWORD, signIn } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { agentResetsSettled } from "./agent-reset.ts";

// Agents' password resets ("Forgot password?", an admin's reset link) and invitations sent again.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

async function linkOf(address: string, kind: string): Promise<string | undefined> {
  await agentResetsSettled();
  const row = await t.ctx.database.db
    .selectFrom("outbox_emails")
    .select("template_data")
    .where("to_address", "=", address)
    .where("kind", "=", kind)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (!row) return undefined;
  const url = new URL((JSON.parse(row.template_data ?? "{}") as { url: string }).url);
  return `${url.pathname}${url.search}`;
}

const session = (cookie: string) => t.app.inject({ url: "/api/workspace/session", headers: { cookie } });

describe("agents' password reset", () => {
  test("forgot: the same answer for anyone; the link sets a new password and signs out everywhere", async () => {
    const team = await makeTeam(t);
    const agent = await makeAgent(t, team.ws.id, { name: "Fay Forgetful" });
    const before = await signIn(t, team.ws.slug, agent.email);
    const ask = (email: string) =>
      t.app.inject({
        method: "POST",
        url: "/api/auth/password-reset",
        payload: { workspace: team.ws.slug, email },
      });
    const known = await ask(agent.email);
    const unknown = await ask("nobody@example.test");
    assert.equal(known.statusCode, 202);
    assert.equal(unknown.statusCode, 202);
    assert.equal(known.body, unknown.body);
    assert.equal(await linkOf("nobody@example.test", "agent_password_reset"), undefined);
    const path = (await linkOf(agent.email, "agent_password_reset")) as string;
    assert.match(path, /^\/app\/reset\//);

    const token = path.split("/").pop() as string;
    const asInvite = await t.app.inject({ url: `/app/invite?t=${token}` });
    assert.equal(asInvite.statusCode, 404, "a reset link is no invitation");

    const page = await t.app.inject({ url: path });
    assert.equal(page.statusCode, 200);
    const pre = await openPreSessionForm(t, path);
    const weak = await t.app.inject({
      method: "POST",
      url: path,
      headers: pre.headers,
      payload: new URLSearchParams({ _csrf: pre.csrf, password: "short" }).toString(),
    });
    assert.equal(weak.statusCode, 400);
    const ok = await t.app.inject({
      method: "POST",
      url: path,
      headers: pre.headers,
      payload: new URLSearchParams({ _csrf: pre.csrf, password: "a fresh agent passphrase" }).toString(),
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, "/app");
    assert.equal((await session(before.cookie)).statusCode, 401, "the old session ended");
    await signIn(t, team.ws.slug, agent.email, "a fresh agent passphrase");
    await assert.rejects(signIn(t, team.ws.slug, agent.email, PASSWORD));
    assert.equal((await t.app.inject({ url: path })).statusCode, 404, "used up");
  });

  test("admins send a reset link or an invitation again; agents may not", async () => {
    const team = await makeTeam(t);
    const other = await makeAgent(t, team.ws.id);
    const byAgent = await t.app.inject({
      method: "POST",
      url: `/api/workspace/agents/${other.id}/password-reset`,
      headers: team.agent.headers,
    });
    assert.equal(byAgent.statusCode, 403);
    const byAdmin = await t.app.inject({
      method: "POST",
      url: `/api/workspace/agents/${other.id}/password-reset`,
      headers: team.admin.headers,
    });
    assert.equal(byAdmin.statusCode, 204);
    assert.ok(await linkOf(other.email, "agent_password_reset"));
    const notPending = await t.app.inject({
      method: "POST",
      url: `/api/workspace/agents/${other.id}/invitation`,
      headers: team.admin.headers,
    });
    assert.equal(notPending.statusCode, 409);

    const invited = await t.app.inject({
      method: "POST",
      url: "/api/workspace/agents",
      headers: team.admin.headers,
      payload: { name: "Nell New", email: "nell@example.test", role: "agent" },
    });
    assert.equal(invited.statusCode, 201, invited.body);
    const first = (await linkOf("nell@example.test", "agent_invitation")) as string;
    const again = await t.app.inject({
      method: "POST",
      url: `/api/workspace/agents/${invited.json().id}/invitation`,
      headers: team.admin.headers,
    });
    assert.equal(again.statusCode, 204);
    const second = (await linkOf("nell@example.test", "agent_invitation")) as string;
    assert.notEqual(first, second);
    const oldToken = new URLSearchParams(first.split("?")[1]).get("t");
    assert.equal(
      (await t.app.inject({ url: `/app/invite?t=${oldToken}` })).statusCode,
      404,
      "the older link",
    );
    const settings = await t.app.inject({ url: "/app/settings", headers: { cookie: team.admin.cookie } });
    assert.match(settings.body, /Resend invitation/);
    assert.match(settings.body, /Send a reset link/);
  });
});
