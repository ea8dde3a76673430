import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { LOCALES } from "../../i18n/locales.ts";
import { Line, Nullable, OneOf, StrictObject } from "../../lib/schema.ts";
import {
  type PortalBasicsPatch,
  portalBasicsOf,
  TICKET_WORD_MAX,
  updatePortalBasics,
} from "../../workspaces/portal-basics.ts";
import { GENDERS, NAV_LABEL_MAX } from "../../workspaces/portal-settings.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Settings → Portal as JSON: GET and PATCH /api/workspace/settings/portal (the page,
// portal-settings.pages.ts, passes its form through the same body schema).

const security = [{ session: [], csrf: [] }];

const Gender = Nullable(
  OneOf(GENDERS, "The word's grammatical gender (German and French): the words agreeing with it follow"),
);
const Word = Type.Object({
  one: Type.String({ description: "Singular, e.g. Incident" }),
  other: Type.String({ description: "Plural, e.g. Incidents" }),
  gender: Gender,
});
const WordBody = StrictObject({
  one: Line(TICKET_WORD_MAX, "Singular, e.g. Incident"),
  other: Line(TICKET_WORD_MAX, "Plural, e.g. Incidents"),
  gender: Type.Optional(Gender),
});
const NavItem = Type.Object({ show: Type.Boolean(), label: Nullable(Type.String()) });
const NavItemBody = StrictObject({
  show: Type.Boolean({ description: "Shown in the portal's navigation" }),
  label: Type.Optional(
    Nullable(Line(NAV_LABEL_MAX, "The label in every language; null: the catalogue's, translated")),
  ),
});
const Locale = OneOf(LOCALES, "The portal's language for readers whose browser asks for none of ours");

export const PortalSettings = Type.Object({
  portalEnabled: Type.Boolean(),
  defaultLocale: Locale,
  timeZone: Type.String(),
  nav: Type.Object({ home: NavItem, requests: NavItem, kb: NavItem, submit: NavItem }),
  ticketWords: Type.Object({ en: Nullable(Word), de: Nullable(Word), fr: Nullable(Word) }),
});

export const PortalSettingsBody = StrictObject({
  portalEnabled: Type.Optional(
    Type.Boolean({
      description:
        "Off: every customer page answers 403 with a closed page, the portal's API 403 portal_closed; agents and incoming email work on",
    }),
  ),
  defaultLocale: Type.Optional(Locale),
  timeZone: Type.Optional(Line(64, "The workspace's IANA time zone, e.g. Europe/Berlin")),
  nav: Type.Optional(
    StrictObject({
      home: Type.Optional(NavItemBody),
      requests: Type.Optional(NavItemBody),
      kb: Type.Optional(NavItemBody),
      submit: Type.Optional(NavItemBody),
    }),
  ),
  ticketWords: Type.Optional(
    StrictObject(
      {
        en: Type.Optional(Nullable(WordBody)),
        de: Type.Optional(Nullable(WordBody)),
        fr: Type.Optional(Nullable(WordBody)),
      },
      "The word for ticket per language; null: the catalogue's (Request, Anfrage, Demande)",
    ),
  ),
});

export const workspacePortalSettingsRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/portal",
      {
        schema: {
          tags: ["settings"],
          summary: "The portal's basic settings",
          security,
          response: { 200: PortalSettings, ...errors(401) },
        },
      },
      async (req) => portalBasicsOf(await getWorkspace(ctx, sessionOf(req).actor)),
    );

    app.patch(
      "/settings/portal",
      {
        schema: {
          tags: ["settings"],
          summary: "Change the portal's basic settings (admins)",
          description:
            "Takes effect at once on every customer page and email. A hidden page leaves the navigation; hidden help articles also answer 404 to customers. Every problem is named at once by its field.",
          security,
          body: PortalSettingsBody,
          response: { 200: PortalSettings, ...errors(400, 401, 403) },
        },
      },
      async (req) => {
        const actor = sessionOf(req).actor;
        const ws = await getWorkspace(ctx, actor);
        return portalBasicsOf(await updatePortalBasics(ctx, actor, ws, req.body as PortalBasicsPatch));
      },
    );
  };
