import assert from "node:assert/strict";
import { newId } from "../ids.ts";
import { makeTeam, type SignedInCustomer } from "../test/factories.ts";
import type { TestEnv } from "../test/harness.ts";
import { customerIn, makeCompany } from "../test/portal-world.ts";

// What the forms' tests share: a form's fields, and a task carrying a form whose team side holds
// a marker that must never reach a customer.

export const CANARY = "INTERNAL-TASK-CANARY-77q";

export const FIELDS = [
  {
    key: "idp_url",
    label: "IdP metadata URL",
    type: "short_text",
    required: true,
    property: "IdP metadata URL",
  },
  { key: "billing", label: "Billing contact", type: "email", required: true, property: "billing contact" },
  { key: "seats", label: "Seats", type: "number", required: false, min: 1, max: 500 },
  { key: "plan", label: "Plan", type: "single_choice", required: true, options: ["Basic", "Pro"] },
  { key: "go_live", label: "Go-live date", type: "date", required: false },
  { key: "terms", label: "I accept the terms", type: "checkbox", required: true },
];

/** A plan with one customer task carrying the form; the team's side holds the canary. */
export async function taskWithForm(
  t: TestEnv,
  workspaceId: string,
  companyId: string,
  formId: string,
  opts: { onFormSubmit?: "done" | "review"; assignee?: string | null } = {},
) {
  const db = t.ctx.database.db;
  const now = t.ctx.now().toISOString();
  const planId = newId();
  await db
    .insertInto("plans")
    .values({
      id: planId,
      workspace_id: workspaceId,
      company_id: companyId,
      template_id: null,
      name: "Onboarding",
      created_by_agent_id: null,
      created_at: now,
      updated_at: now,
      completed_at: null,
    })
    .execute();
  const taskId = newId();
  await db
    .insertInto("tasks")
    .values({
      id: taskId,
      workspace_id: workspaceId,
      company_id: companyId,
      plan_id: planId,
      position: 1,
      title: "Set up single sign-on",
      actor: "customer",
      due_at: "2030-01-01T00:00:00.000Z",
      form_id: formId,
      on_form_submit: opts.onFormSubmit ?? "done",
      assignee_agent_id: null,
      internal_note: CANARY,
      portal_visible: true,
      portal_start: null,
      portal_complete: null,
      portal_assignee_contact_id: opts.assignee ?? null,
      completed_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return taskId;
}

/** The customer API as a signed-in contact calls it: reads with the cookie, writes with the CSRF header too. */
export const portalApi = (
  t: TestEnv,
  c: SignedInCustomer,
  slug: string,
  method: "GET" | "PUT" | "POST",
  url: string,
  payload?: object,
) =>
  t.app.inject({
    method,
    url: `/api/portal/${slug}${url}`,
    headers: method === "GET" ? { cookie: c.cookie } : c.headers,
    ...(payload ? { payload } : {}),
  });

/**
 * A team with a form of these fields, Acme (Otto and Cleo, own access) and Beta (Ben, its
 * manager), and an Acme task carrying the form; url is the task form's portal page.
 */
export async function formTaskWorld(t: TestEnv, name: string, fields: object[]) {
  const team = await makeTeam(t);
  const res = await t.app.inject({
    method: "POST",
    url: "/api/workspace/forms",
    headers: team.admin.headers,
    payload: { name, fields },
  });
  assert.equal(res.statusCode, 201, res.body);
  const form = res.json() as { id: string };
  const acme = await makeCompany(t, team.ws.id, "Acme");
  const beta = await makeCompany(t, team.ws.id, "Beta");
  const otto = await customerIn(t, team.ws.id, acme, "own", "Otto Own");
  const cleo = await customerIn(t, team.ws.id, acme, "own", "Cleo Colleague");
  const ben = await customerIn(t, team.ws.id, beta, "company", "Ben Beta");
  const taskId = await taskWithForm(t, team.ws.id, acme, form.id);
  const url = `/portal/${team.ws.slug}/onboarding/tasks/${taskId}/form`;
  return { ...team, form, acme, beta, otto, cleo, ben, taskId, url };
}
