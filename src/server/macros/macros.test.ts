import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeAgent, makeTeam, signIn, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { fillPlaceholders } from "./macros.ts";

// Macros through the real app: placeholders filled on the server, personal and shared ones and
// who may change them, and the status and priority a macro sets once its reply is sent.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
type Agent = Awaited<ReturnType<typeof signIn>>;

const api = (agent: Agent, method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: object) =>
  t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: agent.headers,
    ...(payload ? { payload } : {}),
  });

const form = (agent: Agent, url: string, fields: Record<string, string>) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { cookie: agent.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ _csrf: agent.csrf, ...fields }).toString(),
  });

before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
});
after(() => t.close());

describe("macros", () => {
  it("fills the placeholders for the ticket, its customer and the agent, as plain text", async () => {
    const ticket = await submitTicket(t, team.ws.slug, {
      name: "Casey <b>Jones</b>",
      email: "casey.jones@customer.test",
      subject: "Printer & scanner",
    });
    const created = await api(team.agent, "POST", "/macros", {
      name: "Greeting",
      body: "Hi {{customer.first_name}} ({{ customer.name }}), about {{ticket.reference}} “{{ticket.subject}}”. {{unknown}} — {{agent.name}}",
    });
    assert.equal(created.statusCode, 201, created.body);
    const macro = created.json() as { id: string; shared: boolean; mine: boolean; editable: boolean };
    assert.deepEqual([macro.shared, macro.mine, macro.editable], [false, true, true]);

    const rendered = await api(team.agent, "POST", `/macros/${macro.id}/render`, {
      reference: ticket.reference,
    });
    assert.equal(rendered.statusCode, 200, rendered.body);
    assert.equal(
      (rendered.json() as { text: string }).text,
      `Hi Casey (Casey <b>Jones</b>), about ${ticket.reference} “Printer & scanner”. {{unknown}} — Sam Agent`,
    );
    assert.equal(fillPlaceholders("{{customer.name}}{{x}}", { "customer.name": "{{x}}" }), "{{x}}{{x}}");
  });

  it("keeps personal macros to their author, lets anyone use shared ones, and admins change shared ones", async () => {
    const mine = (
      await api(team.agent, "POST", "/macros", { name: "Mine only", body: "Private text" })
    ).json() as {
      id: string;
    };
    const shared = (
      await api(team.agent, "POST", "/macros", { name: "Team refund", body: "Refund sent", shared: true })
    ).json() as { id: string };

    const adminList = (await api(team.admin, "GET", "/macros")).json() as {
      items: { id: string; editable: boolean }[];
    };
    assert.ok(!adminList.items.some((m) => m.id === mine.id), "another agent's personal macro is not listed");
    assert.equal(adminList.items.find((m) => m.id === shared.id)?.editable, true);
    assert.equal((await api(team.admin, "GET", `/macros/${mine.id}`)).statusCode, 404);
    assert.equal((await api(team.admin, "PATCH", `/macros/${mine.id}`, { name: "Taken" })).statusCode, 404);
    assert.equal((await api(team.admin, "DELETE", `/macros/${mine.id}`)).statusCode, 404);

    // Another plain agent uses the shared macro but may not change it.
    const other = await makeAgent(t, team.ws.id, { name: "Olga Other" });
    const olga = await signIn(t, team.ws.slug, other.email);
    const olgaList = (await api(olga, "GET", "/macros?q=refund")).json() as {
      items: { id: string; editable: boolean }[];
    };
    assert.deepEqual(
      olgaList.items.map((m) => [m.id, m.editable]),
      [[shared.id, false]],
    );
    assert.equal((await api(olga, "PATCH", `/macros/${shared.id}`, { body: "Changed" })).statusCode, 404);
    assert.equal((await api(olga, "DELETE", `/macros/${shared.id}`)).statusCode, 404);
    assert.equal(
      (await t.app.inject({ url: `/app/macros/${shared.id}`, headers: { cookie: olga.cookie } })).statusCode,
      404,
    );

    const patched = await api(team.admin, "PATCH", `/macros/${shared.id}`, { body: "Refund sent today" });
    assert.equal(patched.statusCode, 200);
    assert.equal((patched.json() as { body: string }).body, "Refund sent today");

    // Another workspace sees none of them.
    const elsewhere = await makeTeam(t);
    assert.equal((await api(elsewhere.admin, "GET", `/macros/${shared.id}`)).statusCode, 404);

    assert.equal((await api(team.agent, "DELETE", `/macros/${mine.id}`)).statusCode, 204);
    assert.equal((await api(team.agent, "GET", `/macros/${mine.id}`)).statusCode, 404);
  });

  it("refuses bad input with the field at fault", async () => {
    const bad = await api(team.agent, "POST", "/macros", { name: "", body: "x", setStatus: "nope" });
    assert.equal(bad.statusCode, 400);
    const fields = (bad.json() as { error: { fields: Record<string, string> } }).error.fields;
    assert.ok(fields.name);
    assert.ok(fields.setStatus);
    const page = await form(team.agent, "/app/macros/new", { name: "Ctl", body: "bad \u0007 bell" });
    assert.equal(page.statusCode, 400);
  });

  it("applies the macro's status and priority when the reply is sent from the ticket page", async () => {
    const ticket = await submitTicket(t, team.ws.slug, { name: "Dana Doe", email: "dana@customer.test" });
    const saved = await form(team.agent, "/app/macros/new", {
      name: "Waiting for logs",
      body: "Hello {{customer.first_name}}, please send the logs.",
      setStatus: "waiting",
      setPriority: "high",
      shared: "1",
    });
    assert.equal(saved.statusCode, 303);
    const list = await t.app.inject({ url: "/app/macros", headers: { cookie: team.agent.cookie } });
    assert.ok(list.body.includes("Waiting for logs"));
    const { items } = (await api(team.agent, "GET", "/macros?q=logs")).json() as { items: { id: string }[] };
    const id = items[0]?.id as string;
    const ticketPage = await t.app.inject({
      url: `/app/tickets/${ticket.reference}`,
      headers: { cookie: team.agent.cookie },
    });
    assert.ok(ticketPage.body.includes("data-reply-tools"));
    assert.ok(ticketPage.body.includes('name="macroId"'));

    const text = (
      (await api(team.agent, "POST", `/macros/${id}/render`, { reference: ticket.reference })).json() as {
        text: string;
      }
    ).text;
    const sent = await form(team.agent, `/app/tickets/${ticket.reference}/messages`, {
      kind: "reply",
      body: text,
      status: "",
      macroId: id,
    });
    assert.equal(sent.statusCode, 303, sent.body);
    const detail = (await api(team.agent, "GET", `/tickets/${ticket.reference}`)).json() as {
      status: string;
      priority: string;
      conversation: { body: string }[];
    };
    assert.equal(detail.status, "waiting");
    assert.equal(detail.priority, "high");
    assert.ok(detail.conversation.some((c) => c.body === "Hello Dana, please send the logs."));

    // A status chosen in the form wins over the macro's; the priority still applies.
    await api(team.agent, "PATCH", `/tickets/${ticket.reference}`, { priority: "low" });
    await form(team.agent, `/app/tickets/${ticket.reference}/messages`, {
      kind: "reply",
      body: "Solved.",
      status: "resolved",
      macroId: id,
    });
    const after2 = (await api(team.agent, "GET", `/tickets/${ticket.reference}`)).json() as {
      status: string;
      priority: string;
    };
    assert.deepEqual([after2.status, after2.priority], ["resolved", "high"]);

    // The JSON API applies it on its own, after its own reply.
    const t3 = await submitTicket(t, team.ws.slug, { email: "erin@customer.test" });
    const applied = await api(team.agent, "POST", `/macros/${id}/apply`, { reference: t3.reference });
    assert.equal(applied.statusCode, 200, applied.body);
    assert.deepEqual(
      [(applied.json() as { status: string }).status, (applied.json() as { priority: string }).priority],
      ["waiting", "high"],
    );
    const found = (await api(team.agent, "GET", "/macros?q=SEND%20THE%20LOGS")).json() as {
      items: unknown[];
    };
    assert.equal(found.items.length, 1, "q matches the text too, whatever the case");

    // A macro the agent may not see changes nothing, and the reply still goes out.
    const other = await makeTeam(t);
    const foreign = (
      await api(other.agent, "POST", "/macros", { name: "X", body: "Y", setStatus: "closed", shared: true })
    ).json() as { id: string };
    const t2 = await submitTicket(t, team.ws.slug);
    const sent2 = await form(team.agent, `/app/tickets/${t2.reference}/messages`, {
      kind: "note",
      body: "Checked.",
      macroId: foreign.id,
    });
    assert.equal(sent2.statusCode, 303);
    assert.equal(
      ((await api(team.agent, "GET", `/tickets/${t2.reference}`)).json() as { status: string }).status,
      "open",
    );
  });
});
