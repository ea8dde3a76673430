import { Type } from "typebox";
import { Line, Nullable, StrictObject } from "../../lib/schema.ts";

// Settings → Domain: the portal's address (its slug, a custom domain and its verification).

export const DomainStatusSchema = Type.Object(
  {
    slug: Type.String(),
    domain: Nullable(Type.String()),
    state: Type.Union([Type.Literal("none"), Type.Literal("pending"), Type.Literal("verified")]),
    verifiedAt: Nullable(Type.String({ format: "date-time" })),
    token: Nullable(Type.String({ description: "What either proof must show while pending" })),
    txtName: Nullable(Type.String({ description: "The TXT record's name: _portico.<domain>" })),
    txtValue: Nullable(Type.String({ description: "The TXT record's value: portico-verification=<token>" })),
    httpUrl: Nullable(
      Type.String({ description: "The address the HTTP check asks; Portico answers it itself" }),
    ),
    portalUrl: Type.String({ description: "Where customers find the portal now" }),
  },
  { description: "The portal's address and its custom domain's state" },
);

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.String() });

export const VerificationSchema = Type.Object({
  status: DomainStatusSchema,
  checks: Type.Object({ http: Check, dns: Check }),
});

export const DomainBody = StrictObject({
  domain: Line(253, "A host name like help.example.com (not an IP address, not this server's own)"),
});

export const SlugBody = StrictObject({
  slug: Line(40, "1–40 lowercase letters, digits or hyphens; old links redirect to the new address"),
});
