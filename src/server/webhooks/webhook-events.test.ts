import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { systemActor } from "../actors.ts";
import { newId } from "../ids.ts";
import { sealSecret } from "../lib/sealed-secret.ts";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { deliveriesVisibleTo, insertEndpoint } from "./webhook.access.ts";

// Events are queued in the transaction of their change, one row per subscribed active endpoint,
// and nothing for a workspace without webhooks or for an endpoint not listening.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
let other: Awaited<ReturnType<typeof makeTeam>>;

async function endpoint(workspaceId: string, events: string[], state: "active" | "paused" = "active") {
  const id = newId();
  const at = new Date().toISOString();
  await insertEndpoint(t.ctx.database.db, {
    id,
    workspace_id: workspaceId,
    name: "Receiver",
    url: "https://hooks.example.com/in",
    format: "json",
    events: JSON.stringify(events),
    secret_sealed: sealSecret(t.ctx.files.key.key, "whsec_test"),
    state,
    created_at: at,
    updated_at: at,
  }).execute();
  return id;
}

const deliveries = () =>
  deliveriesVisibleTo(t.ctx.database.db, systemActor("test"))
    .select(["endpoint_id", "event", "ticket_id", "data", "state", "workspace_id"])
    .orderBy("created_at")
    .execute();

before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
  other = await makeTeam(t);
});
after(() => t.close());

describe("webhook events are queued with their change", () => {
  it("queues a new request for each active endpoint listening, and for no other", async () => {
    const listening = await endpoint(team.ws.id, ["ticket.created", "ticket.resolved"]);
    const elsewhere = await endpoint(team.ws.id, ["ticket.resolved"]);
    const paused = await endpoint(team.ws.id, ["ticket.created"], "paused");
    // A name that contains the event's name is not the event.
    const longer = await endpoint(team.ws.id, ["ticket.created_later"]);
    await submitTicket(t, other.ws.slug, { subject: "Another workspace's request" });
    const submitted = await submitTicket(t, team.ws.slug, { subject: "Queued for the webhook" });

    const rows = await deliveries();
    assert.equal(rows.length, 1, JSON.stringify(rows));
    const [row] = rows;
    assert.equal(row?.endpoint_id, listening);
    assert.equal(row?.event, "ticket.created");
    assert.equal(row?.state, "pending");
    assert.equal(row?.workspace_id, team.ws.id);
    assert.ok(row?.ticket_id);
    const data = JSON.parse(row?.data ?? "{}") as { type: string; actor: { type: string } };
    assert.equal(data.type, "created");
    assert.equal(data.actor.type, "contact");
    assert.ok(![elsewhere, paused, longer].includes(row?.endpoint_id ?? ""));
    assert.match(submitted.reference, /^TKT-/);
  });
  it("erasing a contact deletes the deliveries of their requests, and keeps the others'", async () => {
    const ws = await makeTeam(t);
    await endpoint(ws.ws.id, ["ticket.created"]);
    await submitTicket(t, ws.ws.slug, { email: "erase-me@customer.test", subject: "Mine to forget" });
    await submitTicket(t, ws.ws.slug, { email: "keep-me@customer.test", subject: "Another's" });
    const contact = await t.ctx.database.db
      .selectFrom("contacts")
      .select("id")
      .where("workspace_id", "=", ws.ws.id)
      .where("email_normalized", "=", "erase-me@customer.test")
      .executeTakeFirstOrThrow();
    const ofWorkspace = async () =>
      (await deliveries()).filter((d) => d.workspace_id === ws.ws.id).map((d) => JSON.parse(d.data).actor.id);
    assert.equal((await ofWorkspace()).length, 2);
    const erased = await t.app.inject({
      method: "POST",
      url: `/api/workspace/contacts/${contact.id}/erase`,
      headers: ws.admin.headers,
      payload: { confirmEmail: "erase-me@customer.test" },
    });
    assert.equal(erased.statusCode, 200, erased.body);
    const left = await ofWorkspace();
    assert.equal(left.length, 1);
    assert.notEqual(left[0], contact.id);
  });
});
