import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AuditPage } from "../../audit/audit.schemas.ts";
import { AUDIT_ACTIONS, listAudit } from "../../audit/audit.ts";
import type { AppContext } from "../../context.ts";
import { Line, OneOf, StrictObject } from "../../lib/schema.ts";
import { eraseContact } from "../../lifecycle/contact-erase.ts";
import { EXPORT_FORMAT, exportContact } from "../../lifecycle/contact-export.ts";
import { getRetention, RetentionBody, RetentionSchema, updateRetention } from "../../lifecycle/retention.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// The data's lifecycle for admins: retention (Settings → Data), a contact's export and erasure,
// and the audit log. Under the agents' gate with the rest of the workspace API.

const security = [{ session: [], csrf: [] }];
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const EraseBody = StrictObject({
  confirmEmail: Line(254, "The contact's email address, typed again to confirm"),
});
const ErasureSchema = Type.Object({
  tickets: Type.Integer({ description: "Requests redacted" }),
  messages: Type.Integer({ description: "Messages of theirs redacted" }),
  files: Type.Integer({ description: "Files of theirs deleted" }),
  inboundEmails: Type.Integer({
    description: "Incoming emails whose raw message, sender and subject were deleted",
  }),
  outboxEmails: Type.Integer({ description: "Emails to them whose address and content were removed" }),
});

export const workspaceLifecycleRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/retention",
      {
        schema: {
          tags: ["settings"],
          summary: "How many days each kind of operational record is kept (null: forever)",
          security,
          response: { 200: RetentionSchema, ...errors(401) },
        },
      },
      async (req) => getRetention(ctx, sessionOf(req).actor),
    );
    app.put(
      "/settings/retention",
      {
        schema: {
          tags: ["settings"],
          summary: "Change the data retention (admins)",
          description:
            "Fields left out stay as they are; null keeps for ever. Applied daily at 03:00 in the workspace's zone.",
          security,
          body: RetentionBody,
          response: { 200: RetentionSchema, ...errors(400, 401, 403) },
        },
      },
      async (req) => updateRetention(ctx, sessionOf(req).actor, req.body),
    );

    app.get(
      "/contacts/:id/export",
      {
        schema: {
          tags: ["contacts"],
          summary:
            "Everything held about a contact, as a JSON download (admins; a data subject's access request)",
          security,
          params: IdParams,
          response: {
            200: Type.Object({ format: Type.Literal(EXPORT_FORMAT) }, { additionalProperties: true }),
            ...errors(401, 403, 404),
          },
        },
      },
      async (req, reply) => {
        const data = await exportContact(ctx, sessionOf(req).actor, req.params.id);
        reply.header("content-disposition", `attachment; filename="contact-${data.contact.id}.json"`);
        reply.header("cache-control", "no-store");
        return data;
      },
    );

    app.post(
      "/contacts/:id/erase",
      {
        schema: {
          tags: ["contacts"],
          summary: "Erase a contact (admins; irreversible)",
          description:
            "Anonymises the contact and removes what they wrote and uploaded; their requests keep their shape. Confirm with the contact's email address.",
          security,
          params: IdParams,
          body: EraseBody,
          response: { 200: ErasureSchema, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => eraseContact(ctx, sessionOf(req).actor, req.params.id, req.body.confirmEmail),
    );

    app.get(
      "/audit",
      {
        schema: {
          tags: ["settings"],
          summary: "The audit log of admins' actions, newest first (admins; others 404)",
          security,
          querystring: Type.Object(
            {
              action: Type.Optional(OneOf(Object.keys(AUDIT_ACTIONS) as [string, ...string[]])),
              cursor: Type.Optional(Type.String({ maxLength: 300 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: AuditPage, ...errors(400, 401, 404) },
        },
      },
      async (req) => listAudit(ctx, sessionOf(req).actor, req.query),
    );
  };
