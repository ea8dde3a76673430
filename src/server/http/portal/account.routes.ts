import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { accountMailSettled } from "../../auth/customer-accounts.ts";
import { revokeCustomerSession } from "../../auth/customer-session.service.ts";
import {
  changeCustomerPassword,
  listCustomerSessions,
  NAME_MAX,
  renameCustomer,
  revokeCustomerSessionById,
  revokeOtherCustomerSessions,
  setCustomerPreferences,
} from "../../auth/customer-sessions.ts";
import { PASSWORD_MAX } from "../../auth/passwords.ts";
import type { AppContext } from "../../context.ts";
import { isLocale, LOCALES } from "../../i18n/locales.ts";
import { Line, Nullable, OneOf, Password, StrictObject } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { portalDocumentRoutes } from "./documents.routes.ts";
import { portalFormRoutes } from "./forms.routes.ts";
import { addCustomerGate, clearCustomerCookie, customerOf } from "./gate.ts";
import { setLanguageCookie } from "./language-cookie.ts";
import { portalOnboardingRoutes } from "./onboarding.routes.ts";
import { portalRoutes } from "./portal.routes.ts";
import { portalSignInRoutes } from "./sign-in.routes.ts";
import { portalSimilarRoutes } from "./similar.routes.ts";

// Signed-in customers: /api/portal/{slug}/…, every route behind the one customer gate but the
// ways in (sign-in.routes.ts), registered beside the gated tree.

const SlugParams = Type.Object({ slug: Type.String({ maxLength: 40 }) });
const tags = ["customer portal"];
const security = [{ customerSession: [] }];

const Me = Type.Object({
  name: Type.String(),
  email: Type.String(),
  company: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  scope: OneOf(["own", "company"] as const, "What the portal shows: their own requests, or their company's"),
});

/**
 * The whole /api/portal tree: the ways in (sign-in, links, registration), then ONE customer gate
 * for everything else: the account, the portal's requests and the similar-request suggestions.
 */
export const portalApiRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (api) => {
    // Links asked for just before shutting down are written before the database closes.
    api.addHook("onClose", () => accountMailSettled());
    await api.register(portalSignInRoutes(ctx));
    await api.register(async (gated) => {
      addCustomerGate(gated, ctx);
      await gated.register(accountRoutes(ctx));
      await gated.register(portalRoutes(ctx));
      await gated.register(portalSimilarRoutes(ctx));
      await gated.register(portalDocumentRoutes(ctx));
      await gated.register(portalOnboardingRoutes(ctx));
      await gated.register(portalFormRoutes(ctx));
    });
  };

const Preferences = Type.Object({
  locale: Nullable(OneOf(LOCALES, "The portal's and emails' language; null: the browser's")),
  timeZone: Nullable(Line(64, "An IANA time zone (Europe/Berlin); null: the browser's")),
});

const SessionView = Type.Object({
  id: Type.String({ description: "The session's public id (not its token)" }),
  createdAt: Type.String({ format: "date-time" }),
  lastSeenAt: Type.String({ format: "date-time" }),
  expiresAt: Type.String({ format: "date-time" }),
  current: Type.Boolean({ description: "The session of this request" }),
});
const writeSecurity = [{ customerSession: [], customerCsrf: [] }];

/** The signed-in customer's own account, behind the gate portalApiRoutes puts before it. */
const accountRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/:slug/me",
      {
        schema: {
          tags,
          summary: "Who is signed in",
          security,
          params: SlugParams,
          response: { 200: Me, ...errors(401) },
        },
      },
      async (req) => {
        const c = customerOf(req);
        return { name: c.contact.name, email: c.contact.email, company: c.company, scope: c.actor.scope };
      },
    );

    app.post(
      "/:slug/sign-out",
      {
        schema: {
          tags,
          summary: "Sign out",
          security: [{ customerSession: [], customerCsrf: [] }],
          params: SlugParams,
          response: { 204: Type.Null(), ...errors(401, 403) },
        },
      },
      async (req, reply) => {
        await revokeCustomerSession(ctx, req.customerToken as string);
        clearCustomerCookie(ctx, reply);
        return reply.status(204).send(null);
      },
    );
    app.patch(
      "/:slug/me",
      {
        schema: {
          tags,
          summary: "Change my name",
          security: writeSecurity,
          params: SlugParams,
          body: StrictObject({ name: Line(NAME_MAX) }),
          response: { 204: Type.Null(), ...errors(400, 401, 403) },
        },
      },
      async (req, reply) => {
        await renameCustomer(ctx, customerOf(req).actor, req.body.name);
        return reply.status(204).send(null);
      },
    );

    app.put(
      "/:slug/password",
      {
        schema: {
          tags,
          summary: "Change my password",
          description: "Needs the current password when the account has one; signs out every other session.",
          security: writeSecurity,
          params: SlugParams,
          body: StrictObject({
            current: Type.Union([
              Type.Literal(""),
              Password(PASSWORD_MAX, "Empty when the account has none yet"),
            ]),
            password: Password(PASSWORD_MAX, "At least 10 characters, not a common password"),
          }),
          response: { 204: Type.Null(), ...errors(400, 401, 403) },
        },
      },
      async (req, reply) => {
        await changeCustomerPassword(ctx, customerOf(req).actor, {
          ...req.body,
          currentToken: req.customerToken as string,
          ip: req.ip,
        });
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/:slug/preferences",
      {
        schema: {
          tags,
          summary: "My language and time zone",
          security,
          params: SlugParams,
          response: { 200: Preferences, ...errors(401) },
        },
      },
      async (req) => {
        const { locale, timeZone } = customerOf(req).contact;
        return { locale: isLocale(locale) ? locale : null, timeZone };
      },
    );

    app.put(
      "/:slug/preferences",
      {
        schema: {
          tags,
          summary: "Choose my language and time zone",
          description:
            "Pages and emails use them from then on; choosing a language also sets the portico_lang cookie (null clears it).",
          security: writeSecurity,
          params: SlugParams,
          body: StrictObject({
            locale: Preferences.properties.locale,
            timeZone: Preferences.properties.timeZone,
          }),
          response: { 200: Preferences, ...errors(400, 401, 403) },
        },
      },
      async (req, reply) => {
        const saved = await setCustomerPreferences(ctx, customerOf(req).actor, req.body);
        setLanguageCookie(ctx, reply, saved.locale);
        return saved;
      },
    );

    app.get(
      "/:slug/sessions",
      {
        schema: {
          tags,
          summary: "My sessions",
          security,
          params: SlugParams,
          response: { 200: Type.Object({ items: Type.Array(SessionView) }), ...errors(401) },
        },
      },
      async (req) => ({
        items: await listCustomerSessions(ctx, customerOf(req).actor, req.customerToken as string),
      }),
    );

    app.delete(
      "/:slug/sessions/:id",
      {
        schema: {
          tags,
          summary: "Sign out one of my sessions",
          security: writeSecurity,
          params: Type.Object({ slug: Type.String({ maxLength: 40 }), id: Type.String({ maxLength: 64 }) }),
          response: { 204: Type.Null(), ...errors(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await revokeCustomerSessionById(ctx, customerOf(req).actor, req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/:slug/sessions/sign-out-others",
      {
        schema: {
          tags,
          summary: "Sign out everywhere else",
          security: writeSecurity,
          params: SlugParams,
          response: { 204: Type.Null(), ...errors(401, 403) },
        },
      },
      async (req, reply) => {
        await revokeOtherCustomerSessions(ctx, customerOf(req).actor, req.customerToken as string);
        return reply.status(204).send(null);
      },
    );
  };
