import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, type SignedInAgent } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { customerIn, makeCompany, openRequest } from "../test/portal-world.ts";

// The onboarding pages: the team's templates and a company's plans (both states side by side),
// the ticket page's link to a task, and the customer's plan and task pages with their buttons.

const CANARY = "CANARY-INTERNAL-7731";

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const post = (a: { cookie: string; csrf: string }, url: string, fields: Record<string, string> = {}) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { cookie: a.cookie, ...FORM },
    payload: new URLSearchParams({ _csrf: a.csrf, ...fields }).toString(),
  });
const get = (a: { cookie: string }, url: string) => t.app.inject({ url, headers: { cookie: a.cookie } });
const api = (a: SignedInAgent, method: "GET" | "POST" | "PATCH", url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/workspace${url}`, headers: a.headers, ...(payload ? { payload } : {}) });

describe("the team's pages", () => {
  test("templates: add one, add tasks, reorder, apply to a company, edit a task's two states", async () => {
    const team = await makeTeam(t);
    const acme = await makeCompany(t, team.ws.id, "Acme");
    const a = team.agent;

    const bad = await post(a, "/app/onboarding/templates", { name: " " });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /aria-invalid="true"/);

    const made = await post(a, "/app/onboarding/templates", { name: "Onboarding" });
    assert.equal(made.statusCode, 303);
    const tplUrl = (made.headers.location as string).split("?")[0] as string;
    for (const title of ["Kickoff", "Send your logo"]) {
      const r = await post(a, `${tplUrl}/tasks`, {
        title,
        dueOffsetDays: "2",
        actor: "customer",
        portalVisible: "1",
      });
      assert.equal(r.statusCode, 303, r.body);
    }
    const badTask = await post(a, `${tplUrl}/tasks`, { title: "", dueOffsetDays: "x" });
    assert.equal(badTask.statusCode, 400);
    const tplId = tplUrl.split("/").at(-1) as string;
    const tpl = (await api(a, "GET", `/onboarding/templates/${tplId}`)).json() as {
      tasks: { id: string; title: string }[];
    };
    const second = tpl.tasks[1]?.id as string;
    assert.equal((await post(a, `${tplUrl}/tasks/${second}/move`, { by: "up" })).statusCode, 303);
    const page = await get(a, tplUrl);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.indexOf("Send your logo") < page.body.indexOf("Kickoff"), "moved up");

    const list = await get(a, "/app/onboarding/templates");
    assert.match(list.body, /Onboarding templates/);

    const applied = await post(a, `/app/companies/${acme}/onboarding/apply`, { templateId: tplId });
    assert.equal(applied.statusCode, 303, applied.body);
    const plans = (await api(a, "GET", `/companies/${acme}/plans`)).json() as {
      id: string;
      tasks: { id: string }[];
    }[];
    const taskId = plans[0]?.tasks[0]?.id as string;
    const saved = await post(a, `/app/onboarding/tasks/${taskId}`, {
      title: "Send your logo",
      actor: "customer",
      status: "blocked",
      internalNote: CANARY,
      portalStatus: "in_progress",
      portalVisible: "1",
    });
    assert.equal(saved.statusCode, 303, saved.body);
    const company = await get(a, `/app/companies/${acme}/onboarding`);
    assert.equal(company.statusCode, 200);
    assert.match(company.body, /Team side \(internal\)/);
    assert.match(company.body, /Blocked/);
    assert.match(company.body, new RegExp(CANARY));
    const badSave = await post(a, `/app/onboarding/tasks/${taskId}`, { title: "", status: "nope" });
    assert.equal(badSave.statusCode, 400);
    assert.match(badSave.body, /was not saved/);
    const added = await post(a, `/app/onboarding/plans/${plans[0]?.id}/tasks`, {
      title: "Extra",
      actor: "team",
    });
    assert.equal(added.statusCode, 303);

    // Another workspace's agent: every page and form is a 404.
    const other = await makeTeam(t);
    assert.equal((await get(other.agent, tplUrl)).statusCode, 404);
    assert.equal((await get(other.agent, `/app/companies/${acme}/onboarding`)).statusCode, 404);
    assert.equal(
      (await post(other.agent, `/app/onboarding/tasks/${taskId}`, { title: "x" })).statusCode,
      404,
    );
  });

  test("the ticket page links a ticket to a task or makes one from it", async () => {
    const team = await makeTeam(t);
    const acme = await makeCompany(t, team.ws.id, "Acme");
    const own = await customerIn(t, team.ws.id, acme, "own", "Otto Own");
    const a = team.agent;
    const tpl = (await api(a, "POST", "/onboarding/templates", { name: "Onboarding" })).json() as {
      id: string;
    };
    await api(a, "POST", `/onboarding/templates/${tpl.id}/tasks`, { title: "Send your logo" });
    const plan = (await api(a, "POST", `/companies/${acme}/plans`, { templateId: tpl.id })).json() as {
      id: string;
      tasks: { id: string }[];
    };
    const ref = await openRequest(t, team.ws.slug, own, "Logo help");
    const page = await get(a, `/app/tickets/${ref}`);
    assert.match(page.body, /Link to a task/);
    assert.equal(
      (await post(a, `/app/tickets/${ref}/tasks/link`, { taskId: plan.tasks[0]?.id as string })).statusCode,
      303,
    );
    assert.equal((await post(a, `/app/tickets/${ref}/tasks/spawn`, { planId: plan.id })).statusCode, 303);
    const after = (await api(a, "GET", `/plans/${plan.id}`)).json() as {
      tasks: { title: string; ticketReferences: string[] }[];
    };
    assert.deepEqual(
      after.tasks.map((x) => [x.title, x.ticketReferences]),
      [
        ["Send your logo", [ref]],
        ["Logo help", [ref]],
      ],
    );
  });
});

describe("the customer's pages", () => {
  test("the plan and a task, Start and Mark complete by form; others get a 404", async () => {
    const team = await makeTeam(t);
    const acme = await makeCompany(t, team.ws.id, "Acme");
    const beta = await makeCompany(t, team.ws.id, "Beta");
    const own = await customerIn(t, team.ws.id, acme, "own", "Otto Own");
    const betaManager = await customerIn(t, team.ws.id, beta, "company", "Ben Beta");
    const a = team.agent;
    const tpl = (await api(a, "POST", "/onboarding/templates", { name: "Onboarding" })).json() as {
      id: string;
    };
    await api(a, "POST", `/onboarding/templates/${tpl.id}/tasks`, {
      title: "Send your logo",
      dueOffsetDays: 3,
    });
    await api(a, "POST", `/onboarding/templates/${tpl.id}/tasks`, { title: "Kickoff", actor: "team" });
    const plan = (await api(a, "POST", `/companies/${acme}/plans`, { templateId: tpl.id })).json() as {
      tasks: { id: string }[];
    };
    const [logo, kickoff] = plan.tasks.map((x) => x.id) as [string, string];
    await api(a, "PATCH", `/tasks/${logo}`, { internalNote: CANARY, status: "blocked" });
    const slug = team.ws.slug;

    const planPage = await get(own, `/portal/${slug}/onboarding`);
    assert.equal(planPage.statusCode, 200);
    assert.match(planPage.body, /0 of 2 done/);
    assert.match(planPage.body, /Send your logo/);
    const taskUrl = `/portal/${slug}/onboarding/tasks/${logo}`;
    const taskPage = await get(own, taskUrl);
    assert.match(taskPage.body, /Mark complete/);
    assert.match(taskPage.body, new RegExp(`/portal/${slug}/documents\\?task=${logo}`));
    for (const body of [planPage.body, taskPage.body]) {
      assert.ok(!body.includes(CANARY));
      assert.ok(!/blocked/i.test(body));
    }
    const teamTask = await get(own, `/portal/${slug}/onboarding/tasks/${kickoff}`);
    assert.doesNotMatch(teamTask.body, /Mark complete/);

    assert.equal((await post(own, `${taskUrl}/start`)).statusCode, 303);
    const done = await post(own, `${taskUrl}/complete`);
    assert.equal(done.statusCode, 303);
    assert.match((await get(own, done.headers.location as string)).body, /Marked complete/);
    assert.match((await get(own, `/portal/${slug}/home`)).body, /1 of 2 done/);
    assert.equal((await post(own, `/portal/${slug}/onboarding/tasks/${kickoff}/complete`)).statusCode, 403);
    // Without the form's token nothing changes.
    assert.equal((await post({ cookie: own.cookie, csrf: "nope" }, `${taskUrl}/start`)).statusCode, 403);

    const other = await get(betaManager, taskUrl);
    assert.equal(other.statusCode, 404);
    assert.ok(!other.body.includes("Send your logo"));
    assert.equal((await post(betaManager, `${taskUrl}/complete`)).statusCode, 404);
    assert.doesNotMatch((await get(betaManager, `/portal/${slug}/onboarding`)).body, /Send your logo/);
    // Signed out: to the sign-in, then back.
    const anon = await t.app.inject({ url: taskUrl });
    assert.equal(anon.statusCode, 303);
  });
});
