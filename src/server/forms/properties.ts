import type { Actor, AgentActor } from "../actors.ts";
import {
  companiesVisibleTo,
  companiesWritableBy,
  propertyChangesVisibleTo,
} from "../companies/company.access.ts";
import { eventActorOf, recordCompanyEvent } from "../companies/company.events.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";
import type { Answers, FormField, PropertyChangeView } from "./form.schemas.ts";
import { answerText } from "./form.validate.ts";

// Answers that name a company property become its current value on the company (what the company
// page shows) and a row of its history: who gave it, when, from which answer. An unchanged value
// writes nothing, so the history lists real changes only.

export async function applyAnswerProperties(
  tx: Tx,
  actor: Actor,
  p: {
    workspaceId: string;
    companyId: string;
    fields: FormField[];
    answers: Answers;
    responseId: string;
    at: string;
  },
): Promise<string[]> {
  const named = p.fields.filter((f) => f.property && p.answers[f.key] !== undefined);
  if (!named.length) return [];
  const row = await companiesVisibleTo(tx, actor)
    .select("companies.properties")
    .where("companies.id", "=", p.companyId)
    .executeTakeFirst();
  if (!row) return [];
  const current = JSON.parse(String(row.properties || "{}")) as Record<string, string>;
  const changed: string[] = [];
  for (const f of named) {
    const name = (f.property as string).trim();
    const value = answerText(f, p.answers[f.key]);
    if (current[name] === value) continue;
    current[name] = value;
    changed.push(name);
    await tx
      .insertInto("company_property_changes")
      .values({
        id: newId(),
        workspace_id: p.workspaceId,
        company_id: p.companyId,
        name,
        value,
        ...eventActorOf(actor),
        form_response_id: p.responseId,
        created_at: p.at,
      })
      .execute();
    await recordCompanyEvent(tx, actor, {
      workspaceId: p.workspaceId,
      companyId: p.companyId,
      type: "property_changed",
      data: { property: name },
      customerVisible: false,
      at: p.at,
    });
  }
  if (changed.length) {
    await companiesWritableBy(tx, actor)
      .set({ properties: JSON.stringify(current), updated_at: p.at })
      .where("companies.id", "=", p.companyId)
      .execute();
  }
  return changed;
}

/** A company's property history, newest first, with who gave each value. */
export async function propertyHistory(
  ctx: AppContext,
  actor: AgentActor,
  companyId: string,
): Promise<PropertyChangeView[]> {
  const db = ctx.database.db;
  const rows = await propertyChangesVisibleTo(db, actor)
    .select([
      "company_property_changes.name",
      "company_property_changes.value",
      "company_property_changes.actor_type",
      "company_property_changes.actor_id",
      "company_property_changes.form_response_id",
      "company_property_changes.created_at",
      "company_property_changes.id",
    ])
    .where("company_property_changes.company_id", "=", companyId)
    .orderBy("company_property_changes.created_at", "desc")
    .orderBy("company_property_changes.id", "desc")
    .limit(500)
    .execute();
  const contactIds = [
    ...new Set(rows.filter((r) => r.actor_type === "contact" && r.actor_id).map((r) => r.actor_id as string)),
  ];
  const agentIds = [
    ...new Set(rows.filter((r) => r.actor_type === "agent" && r.actor_id).map((r) => r.actor_id as string)),
  ];
  const [contacts, agents] = await Promise.all([
    contactIds.length
      ? contactsVisibleTo(db, actor)
          .select(["contacts.id", "contacts.name"])
          .where("contacts.id", "in", contactIds)
          .execute()
      : [],
    agentIds.length
      ? db
          .selectFrom("agents")
          .select(["agents.id", "agents.name"])
          .where("agents.workspace_id", "=", actor.workspaceId)
          .where("agents.id", "in", agentIds)
          .execute()
      : [],
  ]);
  const nameOf = (type: string, id: string | null) =>
    (type === "contact" ? contacts : type === "agent" ? agents : []).find((x) => x.id === id)?.name ?? null;
  return rows.map((r) => ({
    name: r.name,
    value: r.value,
    by: { type: r.actor_type, name: nameOf(r.actor_type, r.actor_id) },
    formResponseId: r.form_response_id,
    at: r.created_at,
  }));
}
