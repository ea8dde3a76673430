import type { Db } from "../db/schema.ts";
import { newId } from "../ids.ts";

// Rows for the analytics tests, written straight into the tables: tickets with the times the
// dashboard reads, answered surveys and the portal's deflection events.

export interface TicketSpec {
  created: string;
  firstResponse?: string;
  resolved?: string;
  closed?: string;
  assignee?: string | null;
  type?: string;
  channel?: string;
}

export class Seeder {
  private number = 0;
  private readonly db: Db;
  readonly workspaceId: string;
  readonly contactId: string;
  constructor(db: Db, workspaceId: string, contactId: string) {
    this.db = db;
    this.workspaceId = workspaceId;
    this.contactId = contactId;
  }

  static async create(db: Db, workspaceId: string): Promise<Seeder> {
    const contactId = newId();
    const email = `analytics-${contactId}@customer.test`;
    await db
      .insertInto("contacts")
      .values({
        id: contactId,
        workspace_id: workspaceId,
        company_id: null,
        email,
        email_normalized: email,
        name: "Ana Lytics",
        portal_access: "own",
        created_at: "2025-01-01T00:00:00.000Z",
        updated_at: "2025-01-01T00:00:00.000Z",
      })
      .execute();
    return new Seeder(db, workspaceId, contactId);
  }

  async ticket(s: TicketSpec): Promise<string> {
    const id = newId();
    this.number += 1;
    const status = s.closed ? "closed" : s.resolved ? "resolved" : "open";
    await this.db
      .insertInto("tickets")
      .values({
        id,
        workspace_id: this.workspaceId,
        number: 100_000 + this.number,
        contact_id: this.contactId,
        company_id: null,
        subject: `Ticket ${this.number}`,
        description: "",
        type: s.type ?? "Support Request",
        status,
        portal_status: null,
        priority: "medium",
        channel: s.channel ?? "portal",
        assignee_id: s.assignee ?? null,
        email_thread_id: null,
        resolution: s.resolved ? "Done" : null,
        resolved_at: s.resolved ?? null,
        closed_at: s.closed ?? null,
        first_response_at: s.firstResponse ?? null,
        follow_up_of_id: null,
        locale: null,
        created_at: s.created,
        updated_at: s.created,
      })
      .execute();
    return id;
  }

  async survey(s: {
    kind: "csat" | "nps" | "ces" | "still_fixed";
    score: number | null;
    answeredAt: string;
    agentId?: string | null;
    ticketId?: string | null;
  }): Promise<void> {
    await this.db
      .insertInto("surveys")
      .values({
        id: newId(),
        workspace_id: this.workspaceId,
        kind: s.kind,
        contact_id: this.contactId,
        company_id: null,
        ticket_id: s.ticketId ?? null,
        plan_id: null,
        agent_id: s.agentId ?? null,
        trigger: "resolution",
        status: "answered",
        skip_reason: null,
        token_hash: null,
        unsubscribe_token_hash: null,
        send_at: s.answeredAt,
        sent_at: s.answeredAt,
        expires_at: null,
        score: s.score,
        answer: s.kind === "still_fixed" ? "yes" : null,
        comment: null,
        answered_at: s.answeredAt,
        answered_via: "email",
        created_at: s.answeredAt,
      })
      .execute();
  }

  async deflection(visitId: string, type: "shown" | "clicked" | "dismissed" | "submitted", at: string) {
    await this.db
      .insertInto("kb_deflection_events")
      .values({
        id: newId(),
        workspace_id: this.workspaceId,
        visit_id: visitId,
        type,
        article_id: null,
        created_at: at,
      })
      .execute();
  }
}
