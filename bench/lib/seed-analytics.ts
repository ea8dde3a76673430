import { sql } from "kysely";
import { loadConfig } from "../../src/server/config.ts";
import type { SurveyTable } from "../../src/server/db/schema.surveys.ts";
import type { Db } from "../../src/server/db/schema.ts";
import { newId } from "../../src/server/ids.ts";
import { closeContext, createContext } from "../../src/server/main.ts";
import { prng } from "./corpus.ts";
import { fmtInt } from "./format.ts";
import { insertChunked } from "./seed.ts";

// The dashboard's year (issue 17): BENCH_SURVEYS (20,000) answered surveys and BENCH_VISITS
// (30,000) portal visits with suggestions, over the year of tickets seed.ts wrote. Three in five
// surveys are CSAT, each on a resolved ticket (its contact and assignee, answered within two days
// of the resolution); the rest NPS (a quarter) and CES, spread over the year. Two in five visits
// end with a ticket. Written in transactions of 5,000 rows; the same data on every run.

const SURVEYS = Number(process.env.BENCH_SURVEYS ?? 20_000);
const VISITS = Number(process.env.BENCH_VISITS ?? 30_000);
const DAY_MS = 86_400_000;
const BATCH = 5_000;

export interface AnalyticsSeed {
  surveys: number;
  csat: number;
  visits: number;
  seconds: number;
}

export async function seedAnalytics(
  env: Record<string, string>,
  workspaceId: string,
): Promise<AnalyticsSeed> {
  const ctx = await createContext(loadConfig(env));
  const started = performance.now();
  try {
    const db: Db = ctx.database.db;
    const rand = prng(17);
    const now = Date.now();
    const origin = now - 365 * DAY_MS;
    // The resolved tickets CSAT answers hang on (bench data: read directly, as seed.ts writes it).
    const resolved = await db
      .selectFrom("tickets")
      .select(["id", "contact_id", "company_id", "assignee_id", "resolved_at"])
      .where("workspace_id", "=", workspaceId)
      .where("resolved_at", "is not", null)
      .execute();
    const contacts = await db
      .selectFrom("contacts")
      .select("id")
      .where("workspace_id", "=", workspaceId)
      .execute();
    const iso = (t: number) => new Date(Math.min(t, now - 60_000)).toISOString();
    const rows: SurveyTable[] = [];
    const csatCount = Math.min(Math.round(SURVEYS * 0.6), resolved.length);
    for (let i = 0; i < SURVEYS; i++) {
      const csat = i < csatCount;
      const ticket = csat ? resolved[Math.floor(rand() * resolved.length)] : undefined;
      const kind: SurveyTable["kind"] = csat ? "csat" : rand() < 0.625 ? "nps" : "ces";
      const answered = ticket
        ? Date.parse(ticket.resolved_at as string) + rand() * 2 * DAY_MS
        : origin + rand() * 365 * DAY_MS;
      const score =
        kind === "csat"
          ? 1 + Math.floor(rand() ** 0.6 * 5)
          : kind === "nps"
            ? Math.floor(rand() ** 0.7 * 11)
            : 1 + Math.floor(rand() * 7);
      const at = iso(answered);
      rows.push({
        id: newId(),
        workspace_id: workspaceId,
        kind,
        contact_id: ticket?.contact_id ?? (contacts[Math.floor(rand() * contacts.length)]?.id as string),
        company_id: ticket?.company_id ?? null,
        ticket_id: ticket?.id ?? null,
        plan_id: null,
        agent_id: ticket?.assignee_id ?? null,
        trigger: csat ? "resolution" : "schedule",
        status: "answered",
        skip_reason: null,
        token_hash: null,
        unsubscribe_token_hash: null,
        send_at: at,
        sent_at: at,
        expires_at: iso(answered + 7 * DAY_MS),
        score: Math.min(score, kind === "csat" ? 5 : kind === "nps" ? 10 : 7),
        answer: null,
        comment: rand() < 0.2 ? "Thanks for the quick help" : null,
        answered_at: at,
        answered_via: rand() < 0.7 ? "email" : "portal",
        created_at: at,
      });
    }
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      await db
        .transaction()
        .execute((tx) => insertChunked(batch, (c) => tx.insertInto("surveys").values(c).execute()));
    }
    const events: {
      id: string;
      workspace_id: string;
      visit_id: string;
      type: "shown" | "submitted";
      article_id: null;
      created_at: string;
    }[] = [];
    for (let v = 0; v < VISITS; v++) {
      const at = origin + rand() * 365 * DAY_MS;
      const visit = `bench-visit-${v}`;
      events.push({
        id: newId(),
        workspace_id: workspaceId,
        visit_id: visit,
        type: "shown",
        article_id: null,
        created_at: iso(at),
      });
      if (rand() < 0.4) {
        events.push({
          id: newId(),
          workspace_id: workspaceId,
          visit_id: visit,
          type: "submitted",
          article_id: null,
          created_at: iso(at + 90_000),
        });
      }
    }
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      await db
        .transaction()
        .execute((tx) =>
          insertChunked(batch, (c) => tx.insertInto("kb_deflection_events").values(c).execute()),
        );
    }
    if (ctx.database.dialect === "postgres") await sql`analyze`.execute(db);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `  analytics: ${fmtInt(rows.length)} answered surveys (${fmtInt(csatCount)} CSAT), ${fmtInt(VISITS)} portal visits with suggestions (${seconds.toFixed(1)} s)`,
    );
    return { surveys: rows.length, csat: csatCount, visits: VISITS, seconds };
  } finally {
    await closeContext(ctx);
  }
}
