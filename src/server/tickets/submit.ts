import { createHash } from "node:crypto";
import { MAX_FILES_SUBMIT } from "../../shared/files.ts";
import { DEFAULT_TICKET_TYPE, formatReference } from "../../shared/tickets.ts";
import { systemActorIn } from "../actors.ts";
import type { CustomerSession } from "../auth/customer-session.service.ts";
import { findOrCreateContact } from "../contacts/contact.service.ts";
import type { AppContext } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { PreparedRead, PreparedWrite, readOne } from "../db/prepared.ts";
import type { Tx } from "../db/schema.ts";
import { emailTicketCreated } from "../email/outbox.tickets.ts";
import { AppError, notFound, tooManyRequests, validationFailed } from "../errors.ts";
import { claimUploads } from "../files/file.service.ts";
import { type RequestForm, requestForms, saveRequestFields } from "../forms/request-fields.ts";
import { recordSubmittedVisitIn } from "../kb/kb.insights.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { publishRouted } from "../routing/auto-assign.ts";
import { policyRulesOf } from "../sla/sla.timers.ts";
import { portalHref, portalUrl } from "../workspaces/portal-url.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { getWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import { ticketsVisibleTo } from "./ticket.access.ts";
import {
  cleanText,
  customerStatusOf,
  insertTicket,
  issueTrackingToken,
  trackingPath,
} from "./ticket.create.ts";
import type { PortalSubmission, SubmitResult } from "./ticket.schemas.ts";

// A request submitted on the portal, without an account or by a signed-in customer. An Idempotency-Key makes a
// retried or double-clicked submission one ticket: the retry is answered with the first one.

const SUBMIT_WINDOW_MS = 3600_000;

function requestHash(input: PortalSubmission, contactId: string | null): string {
  const canonical = JSON.stringify([
    contactId,
    input.name ?? "",
    input.email ?? "",
    input.subject,
    input.description ?? "",
    input.type ?? "",
    input.attachments ?? [],
    ...(input.fields ? [input.fields] : []),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** Before a submission: is the key already committed? (A race is settled in a transaction, below.) */
const COMMITTED_IDEMPOTENCY_KEY = new PreparedRead(["workspaceId", "key"], (db, p) =>
  db
    .selectFrom("idempotency_keys")
    .select("key")
    .where("workspace_id", "=", p.workspaceId)
    .where("scope", "=", "portal_submit")
    .where("key", "=", p.key),
);

// Batched: a key taken meanwhile fails the commit, and the submission answers with the first.
const IDEMPOTENCY_KEY_INSERT = new PreparedWrite(
  ["workspaceId", "key", "hash", "response", "at"],
  (db, p) =>
    db.insertInto("idempotency_keys").values({
      workspace_id: p.workspaceId,
      scope: "portal_submit",
      key: p.key,
      request_hash: p.hash,
      status_code: 201,
      response: p.response,
      created_at: p.at,
    }),
  { batched: true },
);

const findIdempotencyKey = (db: Tx, ws: Workspace, key: string) =>
  db
    .selectFrom("idempotency_keys")
    .selectAll()
    .where("workspace_id", "=", ws.id)
    .where("scope", "=", "portal_submit")
    .where("key", "=", key)
    .executeTakeFirst();

/**
 * Answers a replayed Idempotency-Key with the first submission's reference and status. No
 * tracking token is issued: whoever repeats the request gets no key to the ticket, and the
 * customer has the link from the acknowledgement email. Before a submission a committed key is
 * enough to look for. After losing a race for the key, the winner may not be committed yet (on
 * SQLite it can be waiting for its group's fsync): the replay then reads in a transaction of its
 * own on the writer, which sees the winner and whose commit, and so the answer, comes only once
 * the winner is on disk.
 */
async function replaySubmission(
  ctx: AppContext,
  ws: Workspace,
  key: string,
  hash: string,
  opts: { afterConflict: boolean },
): Promise<{ result: SubmitResult; replayed: true } | null> {
  if (!opts.afterConflict) {
    const [committed] = await readOne(
      ctx.database,
      COMMITTED_IDEMPOTENCY_KEY.bind(ctx.database, { workspaceId: ws.id, key }),
    );
    if (!committed) return null;
  }
  return ctx.database.db.transaction().execute(async (tx) => {
    const prior = await findIdempotencyKey(tx, ws, key);
    if (!prior) return null;
    if (prior.request_hash !== hash) {
      throw new AppError(
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was already used for a different request.",
      );
    }
    const { ticketId } = JSON.parse(prior.response) as { ticketId: string };
    const ticket = await ticketsVisibleTo(tx, systemActorIn("idempotent replay", ws.id))
      .select(["tickets.number", "tickets.status", "tickets.portal_status", "tickets.created_at"])
      .where("tickets.id", "=", ticketId)
      .executeTakeFirstOrThrow();
    return {
      replayed: true as const,
      result: {
        reference: formatReference(ticket.number),
        trackingUrl: null,
        status: customerStatusOf(ticket),
        createdAt: ticket.created_at,
        trackingLinkSentByEmail: true as const,
      },
    };
  });
}

/** Who submits: the name and email typed on a public portal, or the signed-in customer's contact. */
function submitterOf(input: PortalSubmission, customer: CustomerSession | null | undefined) {
  if (customer) {
    const email = normalizeEmail(customer.contact.email) ?? customer.contact.email.toLowerCase();
    return {
      contactId: customer.actor.contactId,
      companyId: customer.actor.companyId,
      name: customer.contact.name,
      address: customer.contact.email,
      email,
    };
  }
  const fields: Record<string, string> = {};
  if (!input.name?.trim()) fields.name = "is required";
  const email = normalizeEmail(input.email ?? "");
  if (!input.email?.trim()) fields.email = "is required";
  else if (!email) fields.email = "must be a valid email address";
  if (Object.keys(fields).length || !email) throw validationFailed(fields);
  return {
    contactId: null,
    companyId: null,
    name: (input.name as string).trim(),
    address: (input.email as string).trim(),
    email,
  };
}

/**
 * A request from the portal: a visitor's (name and email; the contact is found or made by email)
 * or a signed-in customer's (their contact and company, whatever the body says of name or email).
 */
export async function submitPortalTicket(
  ctx: AppContext,
  req: {
    slug: string;
    input: PortalSubmission;
    clientAddress: string;
    idempotencyKey: string | undefined;
    customer?: CustomerSession | null | undefined;
    /** The language the customer submitted in: their confirmation speaks it unless they chose one. */
    locale?: string | undefined;
    /** The portal's workspace as this request already read it (by `slug`): not read again. */
    ws?: Workspace | undefined;
    /** The request types' extra fields as the caller already read them: not read again. */
    forms?: RequestForm[] | undefined;
    /** The submit page's visit (KB deflection): recorded as submitted in the same transaction. */
    kbVisitId?: string | undefined;
  },
): Promise<{ result: SubmitResult; replayed: boolean }> {
  const ws = req.ws?.slug === req.slug ? req.ws : await getWorkspaceBySlug(ctx, req.slug);
  if (req.customer && req.customer.actor.workspaceId !== ws.id) throw notFound("No such portal.");
  const input = req.input;
  const who = submitterOf(input, req.customer);
  const email = who.email;
  const hash = requestHash(input, who.contactId);

  if (req.idempotencyKey) {
    const replay = await replaySubmission(ctx, ws, req.idempotencyKey, hash, { afterConflict: false });
    if (replay) return replay;
  }

  const limit = await ctx.limiter.consume(
    `submit:${req.clientAddress}`,
    ctx.config.submitRateLimitPerHour,
    SUBMIT_WINDOW_MS,
  );
  if (!limit.allowed) {
    throw tooManyRequests(
      "You have sent several requests in a short time. Please wait a little and try again.",
      limit.retryAfterSeconds,
    );
  }

  // Read before the transaction: on PostgreSQL the ticket number's row lock is held from its
  // update to the commit, so every statement after it holds up the workspace's other submissions.
  const [forms, slaPolicies] = await Promise.all([
    req.forms ?? requestForms(ctx, ws.id),
    policyRulesOf(ctx.database.db, ws.id),
  ]);
  let created: Awaited<ReturnType<typeof insertTicket>> | undefined;
  try {
    const done = await ctx.database.db.transaction().execute(async (tx) => {
      const contact =
        who.contactId !== null
          ? { id: who.contactId, company_id: who.companyId, name: who.name }
          : await findOrCreateContact(ctx, tx, {
              workspaceId: ws.id,
              email: who.address,
              emailNormalized: email,
              name: who.name,
            });
      const ticket = await insertTicket(ctx, tx, {
        workspace: ws,
        contactId: contact.id,
        companyId: contact.company_id,
        subject: cleanText(input.subject),
        description: cleanText(input.description ?? ""),
        type: input.type ?? DEFAULT_TICKET_TYPE,
        channel: "portal",
        actor: { type: "contact", id: contact.id },
        locale: req.locale,
        slaPolicies,
      });
      created = ticket;
      await saveRequestFields(ctx, tx, {
        workspaceId: ws.id,
        type: ticket.type,
        ticketId: ticket.id,
        companyId: contact.company_id,
        contactId: contact.id,
        raw: input.fields ?? {},
        attachments: input.attachments?.length ?? 0,
        at: ticket.created_at,
        forms,
      });
      await claimUploads(
        ctx,
        tx,
        { kind: "public" },
        { workspaceId: ws.id, ticketId: ticket.id, commentId: null },
        input.attachments,
        MAX_FILES_SUBMIT,
      );
      const token = await issueTrackingToken(ctx, tx, {
        workspaceId: ws.id,
        ticketId: ticket.id,
        emailNormalized: email,
        at: ctx.now(),
      });
      await emailTicketCreated(ctx, tx, {
        ws,
        ticket,
        contact: { address: who.address, name: contact.name },
        trackingUrl: portalUrl(ctx.config, ws, trackingPath(ws.slug, ticket.number, token)),
        locale: req.locale,
        // Files come only as attachments or in a form's file field.
        noFiles: !input.attachments?.length && !input.fields,
        // The contact just written (a visitor's): its language and zone are known.
        knownLang:
          "locale" in contact
            ? {
                contact: { locale: contact.locale, time_zone: contact.time_zone },
                ticketLocale: ticket.locale,
              }
            : undefined,
      });
      if (req.kbVisitId) {
        await recordSubmittedVisitIn(ctx, tx, {
          workspaceId: ws.id,
          visitId: req.kbVisitId,
          at: ticket.created_at,
        });
      }
      if (req.idempotencyKey) {
        await IDEMPOTENCY_KEY_INSERT.execute(ctx.database, tx, {
          workspaceId: ws.id,
          key: req.idempotencyKey,
          hash,
          response: JSON.stringify({ ticketId: ticket.id }),
          at: ticket.created_at,
        });
      }
      return {
        replayed: false,
        result: {
          reference: formatReference(ticket.number),
          // A signed-in customer follows the request in the signed-in portal.
          trackingUrl: portalHref(
            ctx.config,
            ws,
            req.customer
              ? `/portal/${ws.slug}/requests/${formatReference(ticket.number)}`
              : trackingPath(ws.slug, ticket.number, token),
          ),
          status: "open" as const,
          createdAt: ticket.created_at,
        },
      };
    });
    if (created) publishRouted(ctx, ws.id, formatReference(created.number), created.routed);
    return done;
  } catch (err) {
    // The same key raced in from a second request: the first one won; answer with its ticket.
    if (req.idempotencyKey && isUniqueViolation(err)) {
      const replay = await replaySubmission(ctx, ws, req.idempotencyKey, hash, { afterConflict: true });
      if (replay) return replay;
    }
    throw err;
  }
}
