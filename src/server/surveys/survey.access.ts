import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// Surveys, and what the team learns from them (knowledge-base article health and alerts, the
// monthly reports), are read and changed through here only. Agents and the system see their
// workspace's. A signed-in customer sees their own surveys (the portal's banner and answer page),
// never another contact's and never the team's reports. A survey link's holder reaches exactly
// the one survey its token names (surveyByTokenHash), nothing else; visitors see none.

export function surveyScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "surveys">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("surveys.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("surveys.workspace_id", "=", actor.workspaceId);
      case "customer":
        return eb.and([
          eb("surveys.workspace_id", "=", actor.workspaceId),
          eb("surveys.contact_id", "=", actor.contactId),
        ]);
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function surveysVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("surveys").where(surveyScope(actor));
}

/** Sending, answering, expiring: the same scope; the service says who may do what. */
export function surveysWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("surveys").where(surveyScope(actor));
}

/** The one survey an answer link names, by its token's hash (auth/tokens.ts hashToken). */
export function surveyByTokenHash(db: Tx, tokenHash: string) {
  return db.selectFrom("surveys").where("surveys.token_hash", "=", tokenHash);
}

/** The survey an unsubscribe link names, by its token's hash. */
export function surveyByUnsubscribeHash(db: Tx, tokenHash: string) {
  return db.selectFrom("surveys").where("surveys.unsubscribe_token_hash", "=", tokenHash);
}

/** The team's side only: agents and the system of the workspace. */
function teamScope<T extends "kb_article_health" | "kb_article_alerts" | "monthly_reports">(
  table: T,
  actor: Actor,
) {
  return (eb: ExpressionBuilder<DB, T>): Expression<SqlBool> => {
    const column = `${table}.workspace_id` as const;
    switch (actor.kind) {
      case "agent":
        // biome-ignore lint/suspicious/noExplicitAny: the column is the table's workspace_id
        return eb(column as any, "=", actor.workspaceId);
      case "system":
        // biome-ignore lint/suspicious/noExplicitAny: the column is the table's workspace_id
        return actor.workspaceId === undefined ? eb.lit(true) : eb(column as any, "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export const articleHealthVisibleTo = (db: Tx, actor: Actor) =>
  db.selectFrom("kb_article_health").where(teamScope("kb_article_health", actor));
export const articleHealthDeletableBy = (db: Tx, actor: Actor) =>
  db.deleteFrom("kb_article_health").where(teamScope("kb_article_health", actor));
export const articleAlertsVisibleTo = (db: Tx, actor: Actor) =>
  db.selectFrom("kb_article_alerts").where(teamScope("kb_article_alerts", actor));
export const articleAlertsWritableBy = (db: Tx, actor: Actor) =>
  db.updateTable("kb_article_alerts").where(teamScope("kb_article_alerts", actor));
export const articleAlertsDeletableBy = (db: Tx, actor: Actor) =>
  db.deleteFrom("kb_article_alerts").where(teamScope("kb_article_alerts", actor));
export const monthlyReportsVisibleTo = (db: Tx, actor: Actor) =>
  db.selectFrom("monthly_reports").where(teamScope("monthly_reports", actor));
