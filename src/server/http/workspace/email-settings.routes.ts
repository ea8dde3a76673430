import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { CUSTOMER_EMAIL_KINDS, WORDING_INTRO_MAX, WORDING_SUBJECT_MAX } from "../../email/email.wording.ts";
import {
  type EmailTemplatesPatch,
  getEmailSettings,
  updateEmailTemplates,
} from "../../email/email-settings.service.ts";
import { LOCALES } from "../../i18n/locales.ts";
import { Nullable, OneOf, OptionalText, StrictObject } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Settings → Emails as JSON: the email status (read from the configuration) and the customer
// emails' subject and intro per language. Everyone of the team reads them; admins change them.

const security = [{ session: [], csrf: [] }];
const PLACEHOLDERS =
  "Placeholders: {{reference}}, {{subject}}, {{name}}, {{portal}}, {{ticket}} (the emails about one request offer all five; the others {{name}}, {{portal}} and {{ticket}}). Any other is refused.";

// The service checks lengths and placeholders and names the field at fault; the schema bounds the body.
const Wording = StrictObject({
  subject: Type.Optional(
    Nullable(OptionalText(5000, `At most ${WORDING_SUBJECT_MAX} characters, one line; null or "": ours`)),
  ),
  intro: Type.Optional(
    Nullable(OptionalText(20000, `At most ${WORDING_INTRO_MAX} characters; null or "": ours`)),
  ),
});
const WordingView = Type.Object({ subject: Nullable(Type.String()), intro: Nullable(Type.String()) });

export const EmailTemplatesBody = Type.Record(
  Type.String({ maxLength: 64 }),
  Type.Record(Type.String({ maxLength: 16 }), Wording),
  {
    description: `By customer email (${CUSTOMER_EMAIL_KINDS.join(", ")}) and language (${LOCALES.join(", ")}): the subject and intro. Emails and languages left out stay as they are. ${PLACEHOLDERS}`,
  },
);

export const EmailSettingsSchema = Type.Object({
  status: Type.Object({
    delivery: OneOf(
      ["smtp", "file"] as const,
      "smtp: sent through SMTP_URL; file: written to DATA_DIR/mail only",
    ),
    inbound: Nullable(OneOf(["smtp", "imap", "smtp+imap"] as const, "How replies by email arrive")),
    replyAddress: Nullable(Type.String()),
    repliesArrive: Type.Boolean({ description: 'Whether customer emails invite "reply to this email"' }),
  }),
  templates: Type.Record(Type.String(), Type.Record(Type.String(), WordingView)),
  placeholders: Type.Record(Type.String(), Type.Array(Type.String())),
});

export const workspaceEmailSettingsRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/email-templates",
      {
        schema: {
          tags: ["settings"],
          summary: "The email status and the customer emails' wording per language",
          security,
          response: { 200: EmailSettingsSchema, ...errors(401) },
        },
      },
      async (req) => getEmailSettings(ctx, sessionOf(req).actor),
    );
    app.put(
      "/settings/email-templates",
      {
        schema: {
          tags: ["settings"],
          summary: "Change the customer emails' subject and intro (admins)",
          description: PLACEHOLDERS,
          security,
          body: EmailTemplatesBody,
          response: { 200: EmailSettingsSchema, ...errors(400, 401, 403) },
        },
      },
      async (req) => updateEmailTemplates(ctx, sessionOf(req).actor, req.body as EmailTemplatesPatch),
    );
  };
