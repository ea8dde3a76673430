import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { systemActorIn } from "../actors.ts";
import { makeCustomer, makeTeam, type SignedInCustomer } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { ticketsWritableBy } from "./ticket.access.ts";

// "A colleague already reported this": the open requests on the same topic a signed-in customer
// may see, and never one outside their scope (another company, another workspace, a closed one).

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

async function submitAs(slug: string, c: SignedInCustomer, subject: string): Promise<string> {
  const res = await t.app.inject({
    method: "POST",
    url: `/api/public/portals/${slug}/tickets`,
    headers: c.headers,
    payload: { subject },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().reference;
}

async function similar(slug: string, c: SignedInCustomer | null, subject: string) {
  return t.app.inject({
    url: `/api/portal/${slug}/similar?subject=${encodeURIComponent(subject)}`,
    headers: c ? { cookie: c.cookie } : {},
  });
}

const references = async (slug: string, c: SignedInCustomer, subject: string) => {
  const res = await similar(slug, c, subject);
  assert.equal(res.statusCode, 200, res.body);
  return (res.json().items as { reference: string }[]).map((i) => i.reference).sort();
};

describe("similar open requests", () => {
  test("within the customer's scope only: own, the company's for its manager, never another company's or workspace's, never closed", async () => {
    const team = await makeTeam(t);
    const other = await makeTeam(t);
    const slug = team.ws.slug;
    const manager = await makeCustomer(t, team.ws.id, {
      company: "Acme",
      access: "company",
      name: "Mia Manager",
    });
    const companyId = manager.companyId as string;
    const colleague = await makeCustomer(t, team.ws.id, { companyId, name: "Carl Colleague" });
    const member = await makeCustomer(t, team.ws.id, { companyId, name: "Mo Member" });
    const rival = await makeCustomer(t, team.ws.id, { company: "Rival" });
    const elsewhere = await makeCustomer(t, other.ws.id, { company: "Acme" });

    const colleagues = await submitAs(slug, colleague, "VPN connection drops every hour");
    const members = await submitAs(slug, member, "VPN slow in the morning");
    const rivals = await submitAs(slug, rival, "VPN connection drops every hour");
    await submitAs(other.ws.slug, elsewhere, "VPN connection drops every hour");
    const closed = await submitAs(slug, colleague, "VPN connection drops again");
    await submitAs(slug, colleague, "Printer out of toner");
    await ticketsWritableBy(t.ctx.database.db, systemActorIn("test", team.ws.id))
      .set({ status: "closed" })
      .where("tickets.number", "=", Number(closed.replace(/\D/g, "")))
      .execute();

    // The manager sees the company's open requests on the topic.
    assert.deepEqual(await references(slug, manager, "vpn connection drops"), [colleagues]);
    assert.deepEqual(await references(slug, manager, "VPN"), [colleagues, members].sort());
    const item = (await similar(slug, manager, "vpn connection drops")).json().items[0];
    assert.equal(item.openedBy, "Carl");
    assert.equal(item.openedByYou, false);
    assert.equal(item.status, "open");
    assert.ok(item.createdAt);
    // A member with their own scope: only their own request, marked theirs.
    assert.deepEqual(await references(slug, member, "VPN connection drops"), []);
    assert.deepEqual(await references(slug, member, "vpn slow"), [members]);
    assert.equal((await similar(slug, member, "vpn slow")).json().items[0].openedByYou, true);
    // The other company sees only its own; the other workspace's customer, nothing of this portal.
    assert.deepEqual(await references(slug, rival, "vpn connection drops"), [rivals]);
    assert.equal((await similar(slug, elsewhere, "vpn connection drops")).statusCode, 401);
    // No topic words, no suggestions; the last word counts as typed so far.
    assert.deepEqual(await references(slug, manager, "the and"), []);
    assert.deepEqual(await references(slug, manager, "print"), [
      (await references(slug, colleague, "printer"))[0],
    ]);
  });

  test("needs a signed-in customer and at most five come back", async () => {
    const team = await makeTeam(t);
    assert.equal((await similar(team.ws.slug, null, "vpn")).statusCode, 401);
    const c = await makeCustomer(t, team.ws.id);
    for (let i = 0; i < 7; i++) await submitAs(team.ws.slug, c, `Laptop battery issue ${i}`);
    assert.equal((await references(team.ws.slug, c, "laptop battery")).length, 5);
  });
});
