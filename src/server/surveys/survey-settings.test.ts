import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeAgent, makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { surveySettingsOf } from "./survey-settings.ts";

// Survey settings: everyone of the team reads them, admins change them (by the API and the
// page), and every range, recipient, address and time zone is checked, with the field at fault.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;
const put = (who: { headers: Record<string, string> }, payload: object) =>
  t.app.inject({ method: "PUT", url: "/api/workspace/settings/surveys", headers: who.headers, payload });
const fieldsOf = (r: { json(): unknown }) =>
  (r.json() as { error: { fields: Record<string, string> } }).error.fields;

describe("survey settings API", () => {
  let team: Team;
  before(async () => {
    team = await makeTeam(t);
  });

  test("defaults until saved; an admin's change is upserted, the rest stays", async () => {
    const r = await t.app.inject({ url: "/api/workspace/settings/surveys", headers: team.agent.headers });
    assert.equal(r.statusCode, 200);
    const v = r.json() as Record<string, unknown>;
    assert.equal(v.csatFollowUpMax, 2);
    assert.equal(v.npsDetractorMax, 6);
    assert.equal(v.timeZone, "UTC");
    assert.deepEqual(v.businessHours, { days: [1, 2, 3, 4, 5], open: "09:00", close: "17:00" });

    const saved = await put(team.admin, {
      csatDelayMinutes: 15,
      cesTicketTypes: ["Bug Report"],
      csLeadAgentId: team.agent.id,
      slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/xyz",
      timeZone: "Europe/Berlin",
      businessHours: { days: [1, 2, 3, 4], open: "08:30", close: "16:00" },
    });
    assert.equal(saved.statusCode, 200, saved.body);
    const s = await surveySettingsOf(t.ctx, team.ws.id);
    assert.equal(s.csat_delay_minutes, 15);
    assert.deepEqual(s.ces_ticket_types, ["Bug Report"]);
    assert.equal(s.cs_lead_agent_id, team.agent.id);
    assert.equal(s.nps_detractor_max, 6, "left out: unchanged");
    const ws = await t.ctx.database.db
      .selectFrom("workspaces")
      .select(["time_zone", "business_hours"])
      .where("id", "=", team.ws.id)
      .executeTakeFirstOrThrow();
    assert.equal(ws.time_zone, "Europe/Berlin");
    assert.deepEqual(JSON.parse(ws.business_hours), { days: [1, 2, 3, 4], open: "08:30", close: "16:00" });
    // A second save updates the same row.
    assert.equal((await put(team.admin, { csatDelayMinutes: 0 })).statusCode, 200);
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).csat_delay_minutes, 0);
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).csat_delay_minutes, 0);
  });

  test("an agent may not change them (403)", async () => {
    const r = await put(team.agent, { quietDays: 3 });
    assert.equal(r.statusCode, 403);
  });

  test("every bad value is a 400 naming its field", async () => {
    const other = await makeTeam(t);
    const inactive = await makeAgent(t, team.ws.id);
    await t.ctx.database.db
      .updateTable("agents")
      .set({ active: false })
      .where("id", "=", inactive.id)
      .execute();
    const cases: [object, string][] = [
      [{ csatDelayMinutes: 61 }, "csatDelayMinutes"],
      [{ csatDelayMinutes: -1 }, "csatDelayMinutes"],
      [{ quietDays: 366 }, "quietDays"],
      [{ csatFollowUpMax: 6 }, "csatFollowUpMax"],
      [{ npsDetractorMax: 11 }, "npsDetractorMax"],
      [{ cesTicketTypes: ["Complaint"] }, "cesTicketTypes.0"],
      [{ csLeadAgentId: other.agent.id }, "csLeadAgentId"],
      [{ csLeadAgentId: inactive.id }, "csLeadAgentId"],
      [{ reportAgentIds: [team.admin.id, other.admin.id] }, "reportAgentIds"],
      [{ slackWebhookUrl: "http://hooks.slack.com/services/x" }, "slackWebhookUrl"],
      [{ slackWebhookUrl: "https://127.0.0.1/hook" }, "slackWebhookUrl"],
      [{ slackWebhookUrl: "https://example.com/services/T/B/X" }, "slackWebhookUrl"],
      [{ slackWebhookUrl: "https://hooks.slack.com.evil.example/services/T/B/X" }, "slackWebhookUrl"],
      [{ slackWebhookUrl: "https://hooks.slack.com:8443/services/T/B/X" }, "slackWebhookUrl"],
      [{ slackWebhookUrl: "https://user:pw@hooks.slack.com/services/T/B/X" }, "slackWebhookUrl"],
      [{ slackWebhookUrl: "https://hooks.slack.com/api/T/B/X" }, "slackWebhookUrl"],
      [{ timeZone: "Mars/Olympus" }, "timeZone"],
      [{ businessHours: { days: [1], open: "17:00", close: "09:00" } }, "businessHours.close"],
      [{ businessHours: { days: [], open: "09:00", close: "17:00" } }, "businessHours.days"],
      [{ businessHours: { days: [8], open: "09:00", close: "17:00" } }, "businessHours.days.0"],
      [{ businessHours: { days: [1], open: "9am", close: "17:00" } }, "businessHours.open"],
      [{ surprise: 1 }, "surprise"],
    ];
    for (const [body, field] of cases) {
      const r = await put(team.admin, body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
      const fields = fieldsOf(r);
      assert.ok(
        Object.keys(fields).some(
          (f) => f === field || f.startsWith(`${field}.`) || field.startsWith(`${f}.`),
        ),
        `${JSON.stringify(body)} → ${JSON.stringify(fields)}`,
      );
    }
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).quiet_days, 7, "nothing saved");
  });

  test("the Slack webhook must be Slack's own: its error says so; port 443 written out is fine", async () => {
    const r = await put(team.admin, { slackWebhookUrl: "https://metadata.example.com/services/x" });
    assert.equal(r.statusCode, 400);
    assert.match(
      fieldsOf(r).slackWebhookUrl ?? "",
      /Slack incoming webhook.*https:\/\/hooks\.slack\.com\/services\//,
    );
    const ok = await put(team.admin, { slackWebhookUrl: "https://hooks.slack.com:443/services/T0/B0/abc" });
    assert.equal(ok.statusCode, 200, ok.body);
  });
});

describe("survey settings page", () => {
  test("agents see it read-only; admins save by a plain form; errors stay on the page", async () => {
    const team = await makeTeam(t);
    const agentPage = await t.app.inject({
      url: "/app/settings/surveys",
      headers: { cookie: team.agent.cookie },
    });
    assert.equal(agentPage.statusCode, 200);
    assert.match(agentPage.body, /Only admins change these settings/);
    assert.doesNotMatch(agentPage.body, /Save survey settings/);
    assert.match(agentPage.body, /id="csatDelayMinutes"[^>]* disabled/);
    const settings = await t.app.inject({ url: "/app/settings", headers: { cookie: team.agent.cookie } });
    assert.match(settings.body, /href="\/app\/settings\/surveys"/);

    const page = await t.app.inject({ url: "/app/settings/surveys", headers: { cookie: team.admin.cookie } });
    assert.match(page.body, /Save survey settings/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;
    const form = (over: Record<string, string | string[]>) => {
      const base: Record<string, string | string[]> = {
        _csrf: csrf,
        timeZone: "America/New_York",
        day: ["1", "2", "3"],
        open: "10:00",
        close: "18:00",
        csatEnabled: "true",
        csatDelivery: "separate_email",
        csatDelayMinutes: "30",
        csatFollowUpMax: "2",
        npsEnabled: "true",
        npsFirstDays: "30",
        npsEveryDays: "90",
        npsDetractorMax: "6",
        cesEnabled: "true",
        cesTicketTypes: ["Bug Report", "Support Request"],
        quietDays: "7",
        stillFixedDays: "3",
        csLeadAgentId: team.admin.id,
        slackWebhookUrl: "",
        kbNoRatePct: "30",
        kbNoDays: "7",
        kbMinVotes: "5",
        ...over,
      };
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(base)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
      return p.toString();
    };
    const post = (who: { cookie: string }, body: string) =>
      t.app.inject({
        method: "POST",
        url: "/app/settings/surveys",
        headers: { cookie: who.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: body,
      });
    const ok = await post(team.admin, form({}));
    assert.equal(ok.statusCode, 303, ok.body);
    const s = await surveySettingsOf(t.ctx, team.ws.id);
    assert.equal(s.csat_delivery, "separate_email");
    assert.equal(s.ces_after_plan, false, "an unticked box is off");
    assert.deepEqual(s.ces_ticket_types, ["Bug Report", "Support Request"]);
    assert.equal(s.cs_lead_agent_id, team.admin.id);
    const ws = await t.ctx.database.db
      .selectFrom("workspaces")
      .select(["time_zone", "business_hours"])
      .where("id", "=", team.ws.id)
      .executeTakeFirstOrThrow();
    assert.equal(ws.time_zone, "America/New_York");
    assert.deepEqual(JSON.parse(ws.business_hours), { days: [1, 2, 3], open: "10:00", close: "18:00" });

    const bad = await post(team.admin, form({ csatDelayMinutes: "90", quietDays: "3" }));
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="csatDelayMinutes"[^>]*value="90"/);
    assert.match(bad.body, /csatDelayMinutes-error/);
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).quiet_days, 7, "nothing saved");

    // An agent's own valid form is refused by the role, not by the token.
    const agentCsrf = /name="_csrf" value="([^"]+)"/.exec(agentPage.body)?.[1] as string;
    const agentPost = await post(team.agent, form({ _csrf: agentCsrf, quietDays: "1" }));
    assert.equal(agentPost.statusCode, 403);
    assert.match(agentPost.body, /Only admins change the survey settings/);
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).quiet_days, 7);
  });
});

describe("the Slack webhook is a secret", () => {
  const HOOK = "https://hooks.slack.com/services/T0SECRET/B0SECRET/xyzSECRETxyz";

  test("the API shows admins a masked form and agents nothing; the mask or a missing field keeps it, null clears it", async () => {
    const team = await makeTeam(t);
    assert.equal((await put(team.admin, { slackWebhookUrl: HOOK })).statusCode, 200);
    const asAdmin = await t.app.inject({
      url: "/api/workspace/settings/surveys",
      headers: team.admin.headers,
    });
    const asAgent = await t.app.inject({
      url: "/api/workspace/settings/surveys",
      headers: team.agent.headers,
    });
    assert.doesNotMatch(asAdmin.body, /SECRET/);
    assert.doesNotMatch(asAgent.body, /SECRET/);
    const adminView = asAdmin.json() as { slackWebhookUrl: string | null; slackWebhookSet: boolean };
    assert.match(adminView.slackWebhookUrl ?? "", /^https:\/\/hooks\.slack\.com\/services\/.*••••$/);
    assert.equal(adminView.slackWebhookSet, true);
    assert.deepEqual(
      (({ slackWebhookUrl, slackWebhookSet }) => ({ slackWebhookUrl, slackWebhookSet }))(
        asAgent.json() as { slackWebhookUrl: string | null; slackWebhookSet: boolean },
      ),
      { slackWebhookUrl: null, slackWebhookSet: true },
    );
    // A client sending back what it read (the mask), or leaving the field out, keeps it.
    const back = await put(team.admin, { slackWebhookUrl: adminView.slackWebhookUrl, quietDays: 3 });
    assert.equal(back.statusCode, 200, back.body);
    assert.doesNotMatch(back.body, /SECRET/);
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).slack_webhook_url, HOOK);
    assert.equal((await put(team.admin, { quietDays: 4 })).statusCode, 200);
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).slack_webhook_url, HOOK);
    assert.equal((await put(team.admin, { slackWebhookUrl: null })).statusCode, 200);
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).slack_webhook_url, null);
  });

  test("the page never shows it; a blank field keeps it, a new one replaces it, Remove clears it", async () => {
    const team = await makeTeam(t);
    assert.equal((await put(team.admin, { slackWebhookUrl: HOOK })).statusCode, 200);
    const agentPage = await t.app.inject({
      url: "/app/settings/surveys",
      headers: { cookie: team.agent.cookie },
    });
    assert.doesNotMatch(agentPage.body, /SECRET/);
    assert.match(agentPage.body, /Set\./);
    const page = await t.app.inject({ url: "/app/settings/surveys", headers: { cookie: team.admin.cookie } });
    assert.doesNotMatch(page.body, /SECRET/);
    assert.match(page.body, /hooks\.slack\.com\/services\/T…/);
    assert.match(page.body, /name="slackWebhookClear"/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;
    const post = (fields: Record<string, string>) => {
      const p = new URLSearchParams({
        _csrf: csrf,
        timeZone: "UTC",
        day: "1",
        open: "09:00",
        close: "17:00",
        csatEnabled: "true",
        csatDelivery: "resolution_email",
        csatDelayMinutes: "0",
        csatFollowUpMax: "2",
        npsFirstDays: "30",
        npsEveryDays: "90",
        npsDetractorMax: "6",
        quietDays: "7",
        stillFixedDays: "3",
        kbNoRatePct: "30",
        kbNoDays: "7",
        kbMinVotes: "5",
        ...fields,
      });
      return t.app.inject({
        method: "POST",
        url: "/app/settings/surveys",
        headers: { cookie: team.admin.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: p.toString(),
      });
    };
    assert.equal((await post({ slackWebhookUrl: "" })).statusCode, 303);
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).slack_webhook_url, HOOK, "blank keeps it");
    const bad = await post({ slackWebhookUrl: "https://example.com/hook" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /slackWebhookUrl-error/);
    assert.doesNotMatch(bad.body, /SECRET/);
    const other = "https://hooks.slack.com/services/T1/B1/other";
    assert.equal((await post({ slackWebhookUrl: other })).statusCode, 303);
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).slack_webhook_url, other, "replaced");
    assert.equal((await post({ slackWebhookUrl: "", slackWebhookClear: "true" })).statusCode, 303);
    assert.equal((await surveySettingsOf(t.ctx, team.ws.id)).slack_webhook_url, null, "cleared");
  });
});
