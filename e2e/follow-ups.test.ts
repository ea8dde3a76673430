import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SurveyTable } from "../src/server/db/schema.surveys.ts";
import { newId } from "../src/server/ids.ts";
import { onSurveyAnswered } from "../src/server/surveys/follow-ups.ts";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// What low scores lead to, in Chromium: a CSAT of 2 puts the follow-up call on the agent's task
// list (overdue ones marked in words), done with one click; the admins' survey settings page.
// At a desk in light mode and on a phone (375 px) in dark mode.

let s: Served;
serveForFile((served) => {
  s = served;
});

const runs = DESK_LIGHT_PHONE_DARK;

async function lowCsat(team: Awaited<ReturnType<typeof makeTeam>>, reference: string, agentId: string) {
  const db = s.env.ctx.database.db;
  const ticket = await db
    .selectFrom("tickets")
    .select(["id", "contact_id"])
    .where("workspace_id", "=", team.ws.id)
    .executeTakeFirstOrThrow();
  // Answered three days ago: its task is overdue now.
  const at = new Date(s.env.ctx.now().getTime() - 3 * 86_400_000).toISOString();
  const row: SurveyTable = {
    id: newId(),
    workspace_id: team.ws.id,
    kind: "csat",
    contact_id: ticket.contact_id,
    company_id: null,
    ticket_id: ticket.id,
    plan_id: null,
    agent_id: agentId,
    trigger: "resolution",
    status: "answered",
    skip_reason: null,
    token_hash: null,
    unsubscribe_token_hash: null,
    send_at: at,
    sent_at: at,
    expires_at: null,
    score: 2,
    answer: null,
    comment: `Nobody told me about ${reference} for a week, and the fix only half works on my phone.`,
    answered_at: at,
    answered_via: "email",
    created_at: at,
  };
  await db.transaction().execute(async (tx) => {
    await tx.insertInto("surveys").values(row).execute();
    await onSurveyAnswered(s.env.ctx, tx, row);
  });
}

describe("follow-up tasks and survey settings", { skip: skipReason, concurrency: true }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: the task list, Done, and the survey settings`, async () => {
      const team = await makeTeam(s.env);
      const sub = await submitTicket(s.env, team.ws.slug, { subject: "Export to CSV drops accents" });
      await lowCsat(team, sub.reference, team.admin.id);
      const { context, page } = await newPage(s, run);
      const [name, value] = team.admin.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);

      await page.goto("/app/tasks");
      await page.getByRole("heading", { name: "Tasks", level: 1 }).waitFor();
      const item = page.locator(".task-item").first();
      await item.getByText("Overdue").waitFor();
      await item.getByRole("heading", { name: /Follow-up call within 1 business day/ }).waitFor();
      await item.getByRole("link", { name: sub.reference }).waitFor();
      await checkPage(page, `app-tasks-${run.tag}`);

      await item.getByRole("button", { name: /^Done/ }).click();
      await page.getByText("Task done.").waitFor();
      await page.getByRole("heading", { name: "Done this week" }).waitFor();
      assert.equal(await page.locator(".nav-count").count(), 0, "no open tasks left");

      await page.goto("/app/settings/surveys");
      await page.getByRole("heading", { name: "Survey settings" }).waitFor();
      await checkPage(page, `app-settings-surveys-${run.tag}`);
      await page.getByLabel("Time zone").selectOption("Europe/Berlin");
      await page.getByLabel("Saturday").check();
      await page.getByLabel("Bug Report").check();
      await page.getByRole("button", { name: "Save survey settings" }).click();
      await page.getByText("Survey settings saved.").waitFor();
      assert.equal(await page.getByLabel("Time zone").inputValue(), "Europe/Berlin");
      assert.equal(await page.getByLabel("Saturday").isChecked(), true);
      await context.close();
    });
  }
});
