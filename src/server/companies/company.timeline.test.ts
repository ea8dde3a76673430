import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { systemActorIn } from "../actors.ts";
import { newId } from "../ids.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { customerIn, makeCompany } from "../test/portal-world.ts";
import { recordCompanyEvent } from "./company.events.ts";

// The company timeline on the portal: a customer reads their own company's customer-visible
// events, merged with their requests' events; never another company's, never an internal one.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const INTERNAL = "CANARY-TIMELINE-INTERNAL-5521";

describe("the company timeline on the portal", () => {
  test("customer-visible events of their own company only, newest first, with who in their words", async () => {
    const team = await makeTeam(t);
    const acme = await makeCompany(t, team.ws.id, "Acme");
    const beta = await makeCompany(t, team.ws.id, "Beta");
    const mia = await customerIn(t, team.ws.id, acme, "company", "Mia Manager");
    const otto = await customerIn(t, team.ws.id, acme, "own", "Otto Own");
    const ben = await customerIn(t, team.ws.id, beta, "company", "Ben Beta");
    const system = systemActorIn("test", team.ws.id);
    const now = new Date().toISOString();
    const planId = newId();
    const taskId = newId();
    await t.ctx.database.db
      .insertInto("plans")
      .values({
        id: planId,
        workspace_id: team.ws.id,
        company_id: acme,
        template_id: null,
        name: "Onboarding",
        created_by_agent_id: null,
        created_at: now,
        updated_at: now,
        completed_at: null,
      })
      .execute();
    await t.ctx.database.db
      .insertInto("tasks")
      .values({
        id: taskId,
        workspace_id: team.ws.id,
        company_id: acme,
        plan_id: planId,
        position: 1,
        title: "Send your logo",
        actor: "customer",
        due_at: null,
        form_id: null,
        assignee_agent_id: null,
        portal_assignee_contact_id: null,
        portal_start: null,
        portal_complete: null,
        completed_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString();
    const miaActor = {
      kind: "customer",
      workspaceId: team.ws.id,
      contactId: mia.contactId,
      companyId: acme,
      scope: "company",
    } as const;
    await recordCompanyEvent(t.ctx.database.db, system, {
      workspaceId: team.ws.id,
      companyId: acme,
      type: "plan_applied",
      data: { plan: "Onboarding" },
      customerVisible: true,
      at: at(1),
    });
    await recordCompanyEvent(t.ctx.database.db, miaActor, {
      workspaceId: team.ws.id,
      companyId: acme,
      type: "task_completed",
      data: { task: "Send your logo", taskId },
      customerVisible: true,
      at: at(2),
    });
    await recordCompanyEvent(t.ctx.database.db, system, {
      workspaceId: team.ws.id,
      companyId: acme,
      type: "property_changed",
      data: { property: INTERNAL },
      customerVisible: false,
      at: at(3),
    });
    await recordCompanyEvent(t.ctx.database.db, system, {
      workspaceId: team.ws.id,
      companyId: beta,
      type: "plan_applied",
      data: { plan: "Beta's contract" },
      customerVisible: true,
      at: at(4),
    });

    const home = (who: { headers: Record<string, string> }) =>
      t.app.inject({ method: "GET", url: `/api/portal/${team.ws.slug}/home`, headers: who.headers });

    const forOtto = await home(otto);
    assert.equal(forOtto.statusCode, 200);
    const activity = forOtto.json().activity as {
      kind: string;
      who: string;
      subject: string;
      target: string;
    }[];
    assert.deepEqual(
      activity.map((a) => [a.kind, a.who, a.subject, a.target]),
      [
        ["task_completed", "Mia Manager", "Send your logo", "task"],
        ["plan_applied", "Support team", "Onboarding", "plan"],
      ],
    );
    assert.ok(!forOtto.body.includes(INTERNAL), "an internal event never reaches the portal");
    assert.ok(!forOtto.body.includes("Beta's contract"), "another company's events never reach the portal");

    const forMia = (await home(mia)).json().activity as { who: string }[];
    assert.equal(forMia[0]?.who, "You");

    const forBen = (await home(ben)).json().activity as { subject: string }[];
    assert.deepEqual(
      forBen.map((a) => a.subject),
      ["Beta's contract"],
    );

    const page = await t.app.inject({
      method: "GET",
      url: `/portal/${team.ws.slug}/home`,
      headers: { cookie: otto.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.match(
      page.body,
      new RegExp(
        `<bdi>Mia Manager</bdi> completed <a href="/portal/[^/]+/onboarding/tasks/${taskId}"><bdi>Send your logo</bdi></a>`,
      ),
    );
    assert.ok(!page.body.includes(INTERNAL));
    // A contact of a company has the company's pages in the navigation; one without a company not.
    const nav = (body: string) => body.slice(body.indexOf('<nav class="site-nav'), body.indexOf("</nav>"));
    assert.match(nav(page.body), /Onboarding<\/a><a href="\/portal\/[^/]+\/documents">Documents/);
    const solo = await customerIn(t, team.ws.id, null, "own", "Sol Solo");
    const soloHome = await t.app.inject({
      method: "GET",
      url: `/portal/${team.ws.slug}/home`,
      headers: { cookie: solo.cookie },
    });
    assert.equal(soloHome.statusCode, 200);
    assert.ok(!nav(soloHome.body).includes("Documents"));

    // The agents' company page shows all of it, the team-only events marked as such.
    const agentPage = await t.app.inject({
      method: "GET",
      url: `/app/companies/${acme}`,
      headers: { cookie: team.agent.cookie },
    });
    assert.equal(agentPage.statusCode, 200);
    const work = agentPage.body.slice(agentPage.body.indexOf('id="work"'));
    assert.match(work, new RegExp(`${INTERNAL}.*team only`, "s"));
    assert.match(work, /<bdi>Mia Manager<\/bdi> completed/);
    assert.ok(!work.includes("Beta's contract"));

    // Once its plan is archived, the task's events leave the customer's timeline (the team keeps them).
    await t.ctx.database.db
      .updateTable("plans")
      .set({ status: "archived" })
      .where("id", "=", planId)
      .execute();
    const after = (await home(otto)).json().activity as { subject: string }[];
    assert.deepEqual(
      after.map((a) => a.subject),
      ["Onboarding"],
    );
  });
});
