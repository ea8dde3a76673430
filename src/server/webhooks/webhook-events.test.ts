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
});
