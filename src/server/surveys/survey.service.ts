import { formatReference } from "../../shared/tickets.ts";
import { systemActor, systemActorIn } from "../actors.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import { contactsVisibleTo, contactsWritableBy, lockContactFor } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { SurveyKind, SurveyTable } from "../db/schema.surveys.ts";
import type { Tx } from "../db/schema.ts";
import { enqueueEmail } from "../email/outbox.ts";
import { validationFailed } from "../errors.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { cleanText } from "../tickets/ticket.create.ts";
import { queueSurveyAnswered } from "../webhooks/webhook-facts.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import { onSurveyAnswered } from "./follow-ups.ts";
import { applyStillFixedAnswer } from "./still-fixed.ts";
import { sameResolution } from "./still-fixed-resolution.ts";
import { surveysVisibleTo, surveysWritableBy } from "./survey.access.ts";
import { surveySettingsOf } from "./survey-settings.ts";

// A survey's life: created 'scheduled' with the moment to send it (a survey_send job), sent with
// its one-time link (or at once, inside the resolution email), answered once by link or in the
// portal, or skipped (unsubscribed, asked recently, stale, the ticket moved on) or expired.

export { createSurvey, type NewSurvey } from "./survey.create.ts";

const DAY_MS = 24 * 3600_000;
/** Every survey link works this many days after it was sent. */
export const SURVEY_LINK_DAYS = 7;
export const SURVEY_COMMENT_MAX = 2000;

/** The scale of each kind with a score; "Still fixed?" is answered yes or no. */
export const SCORE_RANGE: Record<Exclude<SurveyKind, "still_fixed">, { min: number; max: number }> = {
  csat: { min: 1, max: 5 },
  nps: { min: 0, max: 10 },
  ces: { min: 1, max: 7 },
};

/** The answer page an email links to; the token is in the path (request lines log the route only). */
export const surveyPath = (slug: string, token: string) => `/portal/${slug}/surveys/${token}`;
export const unsubscribePath = (slug: string, token: string) =>
  `/portal/${slug}/surveys/unsubscribe/${token}`;

/** The workspace's system, which sends and records surveys: its scope is the workspace. */
const surveyActor = (workspaceId: string) => systemActorIn("surveys", workspaceId);

/**
 * Whether the contact may be asked a survey of this kind now: not unsubscribed, and (for every
 * kind but "Still fixed?") no survey sent to them within the workspace's quiet days. Answers the
 * reason it may not, or null. A "Still fixed?" question sent recently does not count either: it
 * is a short check on one request, not an opinion poll.
 */
export async function whyNotAsk(
  ctx: AppContext,
  tx: Tx,
  p: { workspaceId: string; contactId: string; kind: SurveyKind; now: Date; exceptSurveyId?: string },
): Promise<"unsubscribed" | "quiet" | null> {
  const actor = surveyActor(p.workspaceId);
  const contact = await contactsVisibleTo(tx, actor)
    .select("surveys_unsubscribed_at")
    .where("contacts.id", "=", p.contactId)
    .executeTakeFirst();
  if (!contact || contact.surveys_unsubscribed_at) return "unsubscribed";
  if (p.kind === "still_fixed") return null;
  const { quiet_days } = await surveySettingsOf(ctx, p.workspaceId, tx);
  if (quiet_days <= 0) return null;
  // Sent strictly within the quiet days: one sent exactly quiet_days ago no longer counts.
  const since = new Date(p.now.getTime() - quiet_days * DAY_MS).toISOString();
  let q = surveysVisibleTo(tx, actor)
    .select("surveys.id")
    .where("surveys.contact_id", "=", p.contactId)
    .where("surveys.kind", "!=", "still_fixed")
    .where("surveys.sent_at", ">", since);
  if (p.exceptSurveyId) q = q.where("surveys.id", "!=", p.exceptSurveyId);
  return (await q.limit(1).executeTakeFirst()) ? "quiet" : null;
}

export interface SurveyLinks {
  rateUrl: string;
  unsubscribeUrl: string;
  /** The columns that make a survey sent: its hashed tokens and its moments. */
  sent: Pick<SurveyTable, "status" | "token_hash" | "unsubscribe_token_hash" | "sent_at" | "expires_at">;
}

/** Fresh one-time tokens for a survey being sent now: the links carry them, the row their hashes. */
export function surveyLinks(
  ctx: AppContext,
  ws: Pick<Workspace, "slug" | "custom_domain" | "custom_domain_verified_at">,
  now: Date,
): SurveyLinks {
  const token = newToken();
  const unsubscribe = newToken();
  return {
    rateUrl: portalUrl(ctx.config, ws, surveyPath(ws.slug, token)),
    unsubscribeUrl: portalUrl(ctx.config, ws, unsubscribePath(ws.slug, unsubscribe)),
    sent: {
      status: "sent",
      token_hash: hashToken(token),
      unsubscribe_token_hash: hashToken(unsubscribe),
      sent_at: now.toISOString(),
      expires_at: new Date(now.getTime() + SURVEY_LINK_DAYS * DAY_MS).toISOString(),
    },
  };
}

/** The survey's own email (everything but a CSAT riding in the resolution email). */
export async function enqueueSurveyEmail(
  ctx: AppContext,
  tx: Tx,
  p: {
    ws: Workspace;
    survey: Pick<SurveyTable, "kind" | "contact_id" | "ticket_id">;
    links: SurveyLinks;
  },
): Promise<void> {
  const actor = surveyActor(p.ws.id);
  const contact = await contactsVisibleTo(tx, actor)
    .select(["contacts.email", "contacts.name"])
    .where("contacts.id", "=", p.survey.contact_id)
    .executeTakeFirstOrThrow();
  const ticket = p.survey.ticket_id
    ? await ticketsVisibleTo(tx, actor)
        .select(["tickets.number", "tickets.subject"])
        .where("tickets.id", "=", p.survey.ticket_id)
        .executeTakeFirst()
    : undefined;
  await enqueueEmail(ctx, tx, {
    ws: p.ws,
    kind: "survey_request",
    audience: "customer",
    to: [{ address: contact.email, name: contact.name }],
    params: {
      brand: brandingOf(p.ws),
      kind: p.survey.kind,
      contactName: contact.name,
      reference: ticket ? formatReference(ticket.number) : null,
      subject: ticket?.subject ?? null,
      url: p.links.rateUrl,
      unsubscribeUrl: p.links.unsubscribeUrl,
      expiresDays: SURVEY_LINK_DAYS,
    },
    autoSubmitted: true,
    listUnsubscribe: p.links.unsubscribeUrl,
  });
}

/** Why a survey about a ticket no longer makes sense: the ticket moved on since it was asked for. */
async function whyNotAboutTicket(tx: Tx, s: SurveyTable): Promise<string | null> {
  if (!s.ticket_id || (s.kind !== "csat" && s.kind !== "still_fixed")) return null;
  const t = await ticketsVisibleTo(tx, surveyActor(s.workspace_id))
    .select(["tickets.status", "tickets.resolved_at"])
    .where("tickets.id", "=", s.ticket_id)
    .executeTakeFirst();
  if (!t) return "ticket_gone";
  if (t.status === "resolved") {
    // Resolved again since: this "Still fixed?" asks about an earlier resolution.
    return s.kind === "still_fixed" && !sameResolution(s, t.resolved_at) ? "reopened" : null;
  }
  // A closed ticket was still solved: CSAT asks about it; "Still fixed?" has nothing to ask.
  if (t.status === "closed") return s.kind === "csat" ? null : "closed";
  return "reopened";
}

/**
 * Sends a scheduled survey: only while it is 'scheduled' (a job run twice sends once), unless the
 * contact unsubscribed, was asked recently, or the ticket it is about was reopened; then it is
 * skipped with the reason. Answers what became of it.
 */
export async function sendSurvey(ctx: AppContext, surveyId: string): Promise<"sent" | "skipped"> {
  const first = await surveysVisibleTo(ctx.database.db, systemActor("survey send"))
    .select(["surveys.workspace_id"])
    .where("surveys.id", "=", surveyId)
    .executeTakeFirst();
  if (!first) return "skipped";
  const actor = surveyActor(first.workspace_id);
  return ctx.database.db.transaction().execute(async (tx) => {
    let q = surveysVisibleTo(tx, actor).selectAll().where("surveys.id", "=", surveyId);
    if (ctx.database.dialect === "postgres") q = q.forUpdate();
    const s = await q.executeTakeFirst();
    if (s?.status !== "scheduled") return "skipped";
    // Two surveys of one contact sent at once: the second waits here, then sees the first as sent.
    await lockContactFor(tx, actor, s.contact_id);
    const now = ctx.now();
    const reason =
      (await whyNotAsk(ctx, tx, {
        workspaceId: s.workspace_id,
        contactId: s.contact_id,
        kind: s.kind,
        now,
        exceptSurveyId: s.id,
      })) ?? (await whyNotAboutTicket(tx, s));
    if (reason) {
      await skipSurvey(tx, s, reason);
      return "skipped";
    }
    const ws = await tx
      .selectFrom("workspaces")
      .selectAll()
      .where("id", "=", s.workspace_id)
      .executeTakeFirstOrThrow();
    const links = surveyLinks(ctx, ws, now);
    const r = await surveysWritableBy(tx, actor)
      .set(links.sent)
      .where("surveys.id", "=", s.id)
      .where("surveys.status", "=", "scheduled")
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return "skipped";
    await enqueueSurveyEmail(ctx, tx, { ws, survey: s, links });
    return "sent";
  });
}

/** Marks a scheduled survey skipped with its reason (only while still scheduled). */
export async function skipSurvey(tx: Tx, s: Pick<SurveyTable, "id" | "workspace_id">, reason: string) {
  const r = await surveysWritableBy(tx, surveyActor(s.workspace_id))
    .set({ status: "skipped", skip_reason: reason })
    .where("surveys.id", "=", s.id)
    .where("surveys.status", "=", "scheduled")
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export interface SurveyAnswerInput {
  score?: number | string | null | undefined;
  answer?: string | null | undefined;
  comment?: string | null | undefined;
  via: "email" | "portal";
}

export type AnswerOutcome =
  | { kind: "recorded"; survey: SurveyTable }
  | { kind: "already_answered"; survey: SurveyTable }
  | { kind: "expired"; survey: SurveyTable }
  | { kind: "unavailable"; survey: SurveyTable };

/** What a survey's link leads to now: open for an answer, answered, expired or not asked. */
export function surveyState(s: SurveyTable, now: Date): AnswerOutcome["kind"] | "open" {
  if (s.status === "answered") return "already_answered";
  if (s.status === "expired") return "expired";
  if (s.status !== "sent") return "unavailable";
  if (!s.expires_at || Date.parse(s.expires_at) <= now.getTime()) return "expired";
  return "open";
}

/** The answer checked against its kind: a score in range, or yes/no; a comment of at most 2,000 characters. */
export function checkAnswer(
  kind: SurveyKind,
  input: Pick<SurveyAnswerInput, "score" | "answer" | "comment">,
): { score: number | null; answer: "yes" | "no" | null; comment: string | null } {
  const comment = cleanText(typeof input.comment === "string" ? input.comment : "");
  const fields: Record<string, string> = {};
  if ([...comment].length > SURVEY_COMMENT_MAX) {
    fields.comment = `must be at most ${SURVEY_COMMENT_MAX.toLocaleString("en-US")} characters`;
  }
  let score: number | null = null;
  let answer: "yes" | "no" | null = null;
  if (kind === "still_fixed") {
    if (input.answer === "yes" || input.answer === "no") answer = input.answer;
    else fields.answer = "must be yes or no";
  } else {
    const { min, max } = SCORE_RANGE[kind];
    const n =
      typeof input.score === "string" && /^\d{1,2}$/.test(input.score) ? Number(input.score) : input.score;
    if (typeof n === "number" && Number.isInteger(n) && n >= min && n <= max) score = n;
    else fields.score = `must be a whole number from ${min} to ${max}`;
  }
  if (Object.keys(fields).length) throw validationFailed(fields);
  return { score, answer, comment: comment || null };
}

/**
 * Records an answer once: only while the survey is sent and its link unexpired (one UPDATE
 * decides, so two answers at once record one). Then, in the same transaction, what the answer
 * leads to: "Still fixed?" closes or reopens its ticket, and the follow-ups (follow-ups.ts).
 * A second answer or an expired link records nothing and says which.
 */
export async function answerSurvey(
  ctx: AppContext,
  survey: SurveyTable,
  input: SurveyAnswerInput,
): Promise<AnswerOutcome> {
  const checked = checkAnswer(survey.kind, input);
  const actor = surveyActor(survey.workspace_id);
  return ctx.database.db.transaction().execute(async (tx): Promise<AnswerOutcome> => {
    const now = ctx.now().toISOString();
    const r = await surveysWritableBy(tx, actor)
      .set({
        status: "answered",
        score: checked.score,
        answer: checked.answer,
        comment: checked.comment,
        answered_at: now,
        answered_via: input.via,
      })
      .where("surveys.id", "=", survey.id)
      .where("surveys.status", "=", "sent")
      .where("surveys.expires_at", ">", now)
      .executeTakeFirst();
    const current = await surveysVisibleTo(tx, actor)
      .selectAll()
      .where("surveys.id", "=", survey.id)
      .executeTakeFirstOrThrow();
    if (Number(r.numUpdatedRows) === 0) {
      const state = surveyState(current, ctx.now());
      return { kind: state === "open" ? "unavailable" : state, survey: current } as AnswerOutcome;
    }
    if (current.kind === "still_fixed") {
      // What the answer did is kept with it: the thank-you page says so.
      const outcome = await applyStillFixedAnswer(ctx, tx, current);
      await surveysWritableBy(tx, actor)
        .set({ answer_outcome: outcome })
        .where("surveys.id", "=", current.id)
        .execute();
      current.answer_outcome = outcome;
    }
    await onSurveyAnswered(ctx, tx, current);
    await queueSurveyAnswered(ctx, tx, current);
    return { kind: "recorded", survey: current };
  });
}

/**
 * The unsubscribe link's holder: the survey's contact gets no survey again (every kind). Once
 * set, the moment stays the first one; a second use changes nothing.
 */
export async function unsubscribeContact(
  ctx: AppContext,
  s: Pick<SurveyTable, "workspace_id" | "contact_id">,
) {
  await contactsWritableBy(ctx.database.db, surveyActor(s.workspace_id))
    .set({ surveys_unsubscribed_at: ctx.now().toISOString() })
    .where("contacts.id", "=", s.contact_id)
    .where("contacts.surveys_unsubscribed_at", "is", null)
    .execute();
}
