import { Type } from "typebox";
import { MAX_FILES_AGENT } from "../../../shared/files.ts";
import { MESSAGE_MAX, NAME_MAX } from "../../../shared/tickets.ts";
import { PASSWORD_MAX } from "../../auth/passwords.ts";
import { OUTBOX_STATES } from "../../email/outbox.service.ts";
import { UploadKeys } from "../../files/file.schemas.ts";
import { CUSTOM_CSS_MAX_BYTES } from "../../lib/css-sanitize.ts";
import { Email, Line, Nullable, OneOf, Password, StrictObject, Text } from "../../lib/schema.ts";
import { FONT_KEYS } from "../../workspaces/brand-fonts.ts";
import { EMBED_ORIGIN_EXAMPLE, EMBED_ORIGINS_MAX } from "../../workspaces/workspace.embedding.ts";

// The agents' JSON API's own schemas (settings, agents, the Outbox). Tickets and contacts
// declare theirs in their modules (tickets/ticket.schemas.ts, contacts/contact.schemas.ts); the
// pages check their forms with the same bodies.

export const Ref = Type.Object({ reference: Type.String({ maxLength: 20, examples: ["TKT-0042"] }) });

const FontKeys = OneOf(FONT_KEYS);
const Hex = Type.String({ pattern: "^#[0-9a-fA-F]{6}$", "x-error": "must be a colour like #1a2b3c" });
const ImageUrl = Nullable(
  Type.String({
    description: "Where the uploaded image is served (its hash in the name: cached for ever); null: none",
  }),
);

export const Branding = Type.Object({
  name: Type.String(),
  slug: Type.String(),
  brandName: Nullable(Type.String()),
  logoUrl: Nullable(
    Type.String({ description: "Deprecated: upload the logo (PUT /settings/brand-assets/logo_light)." }),
  ),
  primaryColor: Nullable(Type.String()),
  secondaryColor: Nullable(Type.String()),
  font: Nullable(Type.String()),
  customCss: Nullable(Type.String({ description: "As stored: sanitised and scoped to the portal" })),
  supportEmail: Nullable(Type.String()),
  images: Type.Object({ logo_light: ImageUrl, logo_dark: ImageUrl, favicon: ImageUrl }),
  effective: Type.Object({
    brandName: Type.String(),
    logoUrl: Nullable(Type.String()),
    primaryColor: Type.String(),
    secondaryColor: Type.String(),
    font: FontKeys,
    supportEmail: Nullable(Type.String()),
  }),
});

export const ResolveBody = StrictObject({ resolution: Text(MESSAGE_MAX) });

export const NoteBody = StrictObject({ body: Text(MESSAGE_MAX), attachments: UploadKeys(MAX_FILES_AGENT) });

/** PATCH /settings/branding; null resets a field to its default. */
export const BrandingPatchBody = StrictObject({
  brandName: Type.Optional(Nullable(Line(80))),
  logoUrl: Type.Optional(
    Nullable(
      Type.String({
        format: "uri",
        maxLength: 2000,
        deprecated: true,
        description:
          "Deprecated: upload the logo instead (PUT /settings/brand-assets/logo_light); shown only without one.",
      }),
    ),
  ),
  primaryColor: Type.Optional(Nullable(Hex)),
  secondaryColor: Type.Optional(Nullable(Hex)),
  font: Type.Optional(Nullable(FontKeys)),
  customCss: Type.Optional(
    Nullable(
      Text(
        200_000,
        `CSS for the portal's pages, at most ${CUSTOM_CSS_MAX_BYTES / 1024} KB: stored sanitised, every selector scoped to the portal (html, body and :root mean the portal itself); @media and @supports only, no url(), no @import. A refusal names the line.`,
      ),
    ),
  ),
  supportEmail: Type.Optional(Nullable(Email())),
});

/** The sites allowed to embed the submit form (GET/PUT /settings/embedding). */
const AllowedOrigins = Nullable(
  Type.Array(Line(200, `An https origin, like ${EMBED_ORIGIN_EXAMPLE}`), {
    maxItems: EMBED_ORIGINS_MAX,
    description: `null: any site may embed the submit form (the default). Otherwise the https origins that may (${EMBED_ORIGIN_EXAMPLE}; https://*.example.com covers its subdomains), at most ${EMBED_ORIGINS_MAX}; [] lets no site.`,
  }),
);

export const Embedding = Type.Object({ allowedOrigins: AllowedOrigins });
export const EmbeddingBody = StrictObject({ allowedOrigins: AllowedOrigins });

/** POST /agents. */
export const AddAgentBody = StrictObject({
  email: Email(),
  name: Line(NAME_MAX),
  role: Type.Union([Type.Literal("admin"), Type.Literal("agent")], { default: "agent" }),
  password: Type.Optional(
    Password(PASSWORD_MAX, "Left out: the agent gets an invitation email to choose one (valid 7 days)."),
  ),
});

export const OutboxItemSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  status: OneOf(OUTBOX_STATES),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(Type.String({ format: "date-time" })),
  sentAt: Nullable(Type.String({ format: "date-time" })),
  createdAt: Type.String({ format: "date-time" }),
  ticket: Nullable(Type.String()),
});
