import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import type { AppContext } from "../context.ts";
import { type FieldErrors, forbidden, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { parseBusinessHours } from "../lib/business-hours.ts";
import { getWorkspace } from "../workspaces/workspace.service.ts";
import {
  holidaysDeletableBy,
  holidaysVisibleTo,
  insertHoliday,
  insertPolicy,
  policiesDeletableBy,
  policiesVisibleTo,
  policiesWritableBy,
} from "./sla.access.ts";
import type { SlaSettings, SlaSettingsBody } from "./sla.schemas.ts";

// Settings → SLAs: every agent reads them, admins replace them at once (policies, holidays, the
// customer-facing switch) in one audited transaction. A changed policy applies to tickets opened
// afterwards and to those whose priority, type or company changes; running timers keep their dues.

export async function getSlaSettings(ctx: AppContext, actor: AgentActor): Promise<SlaSettings> {
  const ws = await getWorkspace(ctx, actor);
  const db = ctx.database.db;
  const policies = await policiesVisibleTo(db, actor)
    .selectAll()
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  const holidays = await holidaysVisibleTo(db, actor).select(["day", "name"]).orderBy("day").execute();
  return {
    policies: policies.map((p) => ({
      id: p.id,
      name: p.name,
      priority: p.priority as SlaSettings["policies"][number]["priority"],
      ticketType: p.ticket_type,
      companyId: p.company_id,
      firstResponseMinutes: p.first_response_minutes,
      nextResponseMinutes: p.next_response_minutes,
      resolutionMinutes: p.resolution_minutes,
      clock: p.clock,
    })),
    holidays,
    showResponseTime: Boolean(ws.show_response_time),
    timeZone: ws.time_zone,
    businessHours: parseBusinessHours(ws.business_hours),
  };
}

export async function updateSlaSettings(
  ctx: AppContext,
  actor: AgentActor,
  body: SlaSettingsBody,
): Promise<SlaSettings> {
  if (actor.role !== "admin") throw forbidden("Only admins change the SLA policies.");
  const db = ctx.database.db;
  const errors: FieldErrors = {};
  const existing = new Set((await policiesVisibleTo(db, actor).select("id").execute()).map((p) => p.id));
  const companyIds = [...new Set(body.policies.map((p) => p.companyId).filter((c): c is string => !!c))];
  const companies = new Set(
    companyIds.length
      ? (
          await companiesVisibleTo(db, actor)
            .select("companies.id")
            .where("companies.id", "in", companyIds)
            .execute()
        ).map((c) => c.id)
      : [],
  );
  const scopes = new Map<string, number>();
  body.policies.forEach((p, i) => {
    if (p.id !== undefined && !existing.has(p.id))
      errors[`policies.${i}.id`] = "is not a policy of this workspace";
    if (p.companyId && !companies.has(p.companyId))
      errors[`policies.${i}.companyId`] = "is not a company of this workspace";
    if (!p.name.trim()) errors[`policies.${i}.name`] = "must not be empty";
    const scope = `${p.priority}|${p.ticketType ?? ""}|${p.companyId ?? ""}`;
    const twin = scopes.get(scope);
    if (twin !== undefined) errors[`policies.${i}.priority`] = `has the same scope as policy ${twin + 1}`;
    else scopes.set(scope, i);
  });
  const days = new Map<string, number>();
  body.holidays.forEach((h, i) => {
    const d = new Date(`${h.day}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== h.day)
      errors[`holidays.${i}.day`] = "is not a date";
    if (days.has(h.day)) errors[`holidays.${i}.day`] = "is listed twice";
    days.set(h.day, i);
    if (!h.name.trim()) errors[`holidays.${i}.name`] = "must not be empty";
  });
  if (Object.keys(errors).length) throw validationFailed(errors);
  const now = ctx.now().toISOString();
  await db.transaction().execute(async (tx) => {
    const kept = new Set(body.policies.map((p) => p.id).filter((id): id is string => !!id));
    const gone = [...existing].filter((id) => !kept.has(id));
    if (gone.length) await policiesDeletableBy(tx, actor).where("id", "in", gone).execute();
    // Changed in two steps, so two policies may swap scopes without meeting the unique index.
    for (const p of body.policies) {
      if (p.id)
        await policiesWritableBy(tx, actor)
          .set({ priority: `~${p.id}` })
          .where("id", "=", p.id)
          .execute();
    }
    for (const p of body.policies) {
      const values = {
        name: p.name.trim(),
        priority: p.priority,
        ticket_type: p.ticketType,
        company_id: p.companyId,
        first_response_minutes: p.firstResponseMinutes,
        next_response_minutes: p.nextResponseMinutes,
        resolution_minutes: p.resolutionMinutes,
        clock: p.clock,
        updated_at: now,
      };
      if (p.id) await policiesWritableBy(tx, actor).set(values).where("id", "=", p.id).execute();
      else
        await insertPolicy(tx, {
          id: newId(),
          workspace_id: actor.workspaceId,
          created_at: now,
          ...values,
        }).execute();
    }
    await holidaysDeletableBy(tx, actor).execute();
    for (const h of body.holidays) {
      await insertHoliday(tx, {
        workspace_id: actor.workspaceId,
        day: h.day,
        name: h.name.trim(),
        created_at: now,
      }).execute();
    }
    // Workspaces are not a guarded table; the admin check is above.
    await tx
      .updateTable("workspaces")
      .set({ show_response_time: body.showResponseTime, updated_at: now })
      .where("id", "=", actor.workspaceId)
      .execute();
    await recordAudit(ctx, tx, actor, {
      action: "settings.sla",
      summary: `SLA settings saved: ${body.policies.length} policies, ${body.holidays.length} holidays`,
      details: {
        policies: body.policies.length,
        holidays: body.holidays.length,
        showResponseTime: body.showResponseTime,
      },
    });
  });
  return getSlaSettings(ctx, actor);
}
