import type { Selectable } from "kysely";
import type { TicketPriority, TicketStatus } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { agentsVisibleTo } from "../agents/agent.service.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { DB } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { updateTicket } from "../tickets/actions.ts";
import { getTicketDetail } from "../tickets/detail.ts";
import { insertMacro, macrosDeletableBy, macrosVisibleTo, macrosWritableBy } from "./macro.access.ts";
import type { MacroInputT, MacroPatchT, MacroView, RenderedMacroT } from "./macro.schemas.ts";

// Macros: saved replies an agent drops into the reply box. Their {{placeholders}} are filled here,
// on the server, as plain text for the ticket at hand (the page puts the text into the textarea's
// value, never into HTML); the status and priority a macro sets are applied once the reply is sent.

type Row = Selectable<DB["macros"]>;

function viewOf(actor: AgentActor, r: Row): MacroView {
  const mine = r.owner_id === actor.agentId;
  return {
    id: r.id,
    name: r.name,
    body: r.body,
    shared: Number(r.shared) === 1,
    mine,
    editable: mine || (Number(r.shared) === 1 && actor.role === "admin"),
    setStatus: (r.set_status as TicketStatus | null) ?? null,
    setPriority: (r.set_priority as TicketPriority | null) ?? null,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** The macros the agent may use: the shared ones and their own, by name. */
export async function listMacros(ctx: AppContext, actor: AgentActor, q = ""): Promise<MacroView[]> {
  const rows = await macrosVisibleTo(ctx.database.db, actor)
    .selectAll()
    .orderBy("name")
    .orderBy("id")
    .execute();
  // A workspace keeps tens of macros, not thousands: matched here, the same on both databases.
  const term = q.trim().toLocaleLowerCase();
  return rows
    .filter(
      (r) => !term || r.name.toLocaleLowerCase().includes(term) || r.body.toLocaleLowerCase().includes(term),
    )
    .slice(0, 200)
    .map((r) => viewOf(actor, r));
}

export async function getMacro(ctx: AppContext, actor: AgentActor, id: string): Promise<MacroView> {
  const row = await macrosVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound();
  return viewOf(actor, row);
}

export async function createMacro(
  ctx: AppContext,
  actor: AgentActor,
  input: MacroInputT,
): Promise<MacroView> {
  const now = nowIso(ctx);
  const id = newId();
  await insertMacro(ctx.database.db, {
    id,
    workspace_id: actor.workspaceId,
    owner_id: actor.agentId,
    shared: input.shared ? 1 : 0,
    name: input.name.trim(),
    body: input.body,
    set_status: input.setStatus ?? null,
    set_priority: input.setPriority ?? null,
    created_at: now,
    updated_at: now,
  }).execute();
  return getMacro(ctx, actor, id);
}

/** Changes a macro the agent may change; one they may only read (or not see) is a 404. */
export async function updateMacro(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  patch: MacroPatchT,
): Promise<MacroView> {
  const result = await macrosWritableBy(ctx.database.db, actor)
    .set({
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      ...(patch.body !== undefined ? { body: patch.body } : {}),
      ...(patch.shared !== undefined ? { shared: patch.shared ? 1 : 0 } : {}),
      ...(patch.setStatus !== undefined ? { set_status: patch.setStatus } : {}),
      ...(patch.setPriority !== undefined ? { set_priority: patch.setPriority } : {}),
      updated_at: nowIso(ctx),
    })
    .where("id", "=", id)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound();
  return getMacro(ctx, actor, id);
}

export async function deleteMacro(ctx: AppContext, actor: AgentActor, id: string): Promise<void> {
  const result = await macrosDeletableBy(ctx.database.db, actor).where("id", "=", id).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw notFound();
}

/** Fills `{{name}}` placeholders from `values`; unknown ones stay as written. Plain text in, out. */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-z_.]+)\s*\}\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? (values[key] as string) : whole,
  );
}

const firstNameOf = (name: string) => {
  const word = name.trim().split(/\s+/)[0] ?? "";
  return word.includes("@") ? (word.split("@")[0] ?? word) : word;
};

/** A macro's text filled for one ticket the agent may see, with what it sets. */
export async function renderMacro(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  reference: string,
): Promise<RenderedMacroT> {
  const macro = await getMacro(ctx, actor, id);
  const [ticket, agent] = await Promise.all([
    getTicketDetail(ctx, actor, reference),
    agentsVisibleTo(ctx, actor).select("name").where("id", "=", actor.agentId).executeTakeFirst(),
  ]);
  const text = fillPlaceholders(macro.body, {
    "customer.name": ticket.contact.name,
    "customer.first_name": firstNameOf(ticket.contact.name),
    "ticket.reference": ticket.reference,
    "ticket.subject": ticket.subject,
    "agent.name": agent?.name ?? "",
  });
  return { text, setStatus: macro.setStatus, setPriority: macro.setPriority };
}

/**
 * After a reply or note sent with a macro: its status and priority set on the ticket. A status
 * the agent chose in the reply form wins over the macro's. Nothing to set, nothing written.
 */
export async function applyMacroEffects(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  macroId: string,
  opts: { statusChosen?: boolean } = {},
): Promise<void> {
  const macro = await getMacro(ctx, actor, macroId);
  const patch = {
    ...(macro.setStatus && !opts.statusChosen ? { status: macro.setStatus } : {}),
    ...(macro.setPriority ? { priority: macro.setPriority } : {}),
  };
  if (Object.keys(patch).length === 0) return;
  const t = await updateTicket(ctx, actor, reference, patch);
  ctx.live.publish({ workspaceId: actor.workspaceId, topic: "ticket", reference: t.reference });
}

/** What a macro sets, applied to a ticket on its own (the JSON API's use after its own reply). */
export async function applyMacro(ctx: AppContext, actor: AgentActor, id: string, reference: string) {
  await applyMacroEffects(ctx, actor, reference, id);
  return getTicketDetail(ctx, actor, reference);
}
