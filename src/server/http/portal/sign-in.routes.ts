import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply } from "fastify";
import { Type } from "typebox";
import {
  type CustomerSignedIn,
  requestMagicLink,
  signInCustomer,
  signInWithLink,
} from "../../auth/customer-accounts.ts";
import {
  acceptCustomerInvitation,
  confirmPasswordReset,
  requestPasswordReset,
} from "../../auth/customer-passwords.ts";
import { registerCustomer, verifyCustomerEmail } from "../../auth/customer-registration.ts";
import { PASSWORD_MAX } from "../../auth/passwords.ts";
import type { AppContext } from "../../context.ts";
import { Email, Key, Line, Password, StrictObject } from "../../lib/schema.ts";
import { cookieOptions } from "../shared/cookies.ts";
import { refuseWhileClosed } from "../shared/portal-closed.ts";
import { errors } from "../shared/schema.ts";
import { customerCookieName } from "./gate.ts";
import { setLanguageCookie } from "./language-cookie.ts";

// The signed-in portal's ways in (/api/portal/{slug}/…), outside the customer gate: signing in
// with a password or a one-time link, asking for a link, resetting a password, accepting an
// invitation, registering and confirming an address. The requests that send a link answer 202
// with the same body whether or not the address has an account (customer-accounts.ts).

const SlugParams = Type.Object({ slug: Type.String({ maxLength: 40 }) });
const tags = ["customer portal"];

export const CustomerSession = Type.Object({
  name: Type.String(),
  email: Type.String(),
  csrfToken: Type.String({ description: "Send as X-CSRF-Token on every write" }),
  expiresAt: Type.String({ format: "date-time" }),
});
const Accepted = Type.Object({ message: Type.String() });
const LinkToken = Key(128, { minLength: 1, description: "The token from the emailed link" });
const NewPassword = Password(PASSWORD_MAX, "At least 10 characters, not a common password");

/** Where a link's request answer says to look: the same words, known address or not. */
export const CHECK_EMAIL =
  "If that address may use this portal, an email is on its way to it. Check your inbox (and spam folder).";

/** The new session's cookie, and the language the customer chose on their account, if any. */
export function setCustomerCookie(ctx: AppContext, reply: FastifyReply, s: CustomerSignedIn) {
  reply.setCookie(
    customerCookieName(ctx),
    s.token,
    cookieOptions(ctx.config, { expires: new Date(s.expiresAt) }),
  );
  if (s.contact.locale) setLanguageCookie(ctx, reply, s.contact.locale);
}

export const portalSignInRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addHook("onRequest", refuseWhileClosed(ctx, "json"));
    const signedIn = (reply: FastifyReply, s: CustomerSignedIn) => {
      setCustomerCookie(ctx, reply, s);
      return { name: s.contact.name, email: s.contact.email, csrfToken: s.csrfToken, expiresAt: s.expiresAt };
    };

    app.post(
      "/:slug/sign-in",
      {
        schema: {
          tags,
          summary: "Sign in as a customer",
          description:
            "Sets the customer session cookie and returns its CSRF token. An unknown address, a wrong password and a contact without portal access get the same 401 in the same time. Failed attempts are throttled per account and client address, per address and per account (429 rate_limited with Retry-After).",
          params: SlugParams,
          body: StrictObject({ email: Email(), password: Password(PASSWORD_MAX) }),
          response: { 200: CustomerSession, ...errors(400, 401, 403, 429) },
        },
      },
      async (req, reply) =>
        signedIn(
          reply,
          await signInCustomer(ctx, {
            slug: req.params.slug,
            email: req.body.email,
            password: req.body.password,
            ip: req.ip,
          }),
        ),
    );

    app.post(
      "/:slug/magic-link",
      {
        schema: {
          tags,
          summary: "Email me a sign-in link",
          description:
            "Always 202 with the same body; the link (valid 15 minutes, once) goes only to an address with portal access. Throttled per address asked for and per client (429).",
          params: SlugParams,
          body: StrictObject({ email: Email() }),
          response: { 202: Accepted, ...errors(400, 403, 429) },
        },
      },
      async (req, reply) => {
        await requestMagicLink(ctx, { slug: req.params.slug, email: req.body.email, ip: req.ip });
        return reply.status(202).send({ message: CHECK_EMAIL });
      },
    );

    app.post(
      "/:slug/magic-link/confirm",
      {
        schema: {
          tags,
          summary: "Sign in with an emailed link",
          description: "Uses the link up and signs in. 404 link_not_valid for a wrong, used or expired link.",
          params: SlugParams,
          body: StrictObject({ token: LinkToken }),
          response: { 200: CustomerSession, ...errors(400, 403, 404) },
        },
      },
      async (req, reply) =>
        signedIn(reply, await signInWithLink(ctx, { slug: req.params.slug, token: req.body.token })),
    );

    app.post(
      "/:slug/password-reset",
      {
        schema: {
          tags,
          summary: "Email me a password reset link",
          description:
            "Always 202 with the same body; the link (valid 1 hour, once) goes only to a known address.",
          params: SlugParams,
          body: StrictObject({ email: Email() }),
          response: { 202: Accepted, ...errors(400, 403, 429) },
        },
      },
      async (req, reply) => {
        await requestPasswordReset(ctx, { slug: req.params.slug, email: req.body.email, ip: req.ip });
        return reply.status(202).send({ message: CHECK_EMAIL });
      },
    );

    app.post(
      "/:slug/password-reset/confirm",
      {
        schema: {
          tags,
          summary: "Choose a new password from a reset link",
          description: "Signs out every other session of the account and signs this client in.",
          params: SlugParams,
          body: StrictObject({ token: LinkToken, password: NewPassword }),
          response: { 200: CustomerSession, ...errors(400, 403, 404) },
        },
      },
      async (req, reply) =>
        signedIn(
          reply,
          await confirmPasswordReset(ctx, {
            slug: req.params.slug,
            token: req.body.token,
            password: req.body.password,
          }),
        ),
    );

    app.post(
      "/:slug/invitation/accept",
      {
        schema: {
          tags,
          summary: "Accept an invitation to the portal",
          description: "Chooses the password from the invitation's link (valid 7 days, once) and signs in.",
          params: SlugParams,
          body: StrictObject({ token: LinkToken, password: NewPassword }),
          response: { 200: CustomerSession, ...errors(400, 403, 404) },
        },
      },
      async (req, reply) =>
        signedIn(
          reply,
          await acceptCustomerInvitation(ctx, {
            slug: req.params.slug,
            token: req.body.token,
            password: req.body.password,
          }),
        ),
    );

    app.post(
      "/:slug/register",
      {
        schema: {
          tags,
          summary: "Create an account",
          description:
            "Not on portals for invited customers only (404 registration_closed). Checks the fields, then always 202 with the same body: a link to confirm the address is emailed, and the account works once it is confirmed with the same password.",
          params: SlugParams,
          body: StrictObject({ name: Line(120), email: Email(), password: NewPassword }),
          response: { 202: Accepted, ...errors(400, 403, 404, 429) },
        },
      },
      async (req, reply) => {
        await registerCustomer(ctx, { slug: req.params.slug, ...req.body, ip: req.ip });
        return reply.status(202).send({ message: CHECK_EMAIL });
      },
    );

    app.post(
      "/:slug/verify",
      {
        schema: {
          tags,
          summary: "Confirm a new account's address",
          description: "With the password chosen at registration; signs in.",
          params: SlugParams,
          body: StrictObject({ token: LinkToken, password: Password(PASSWORD_MAX) }),
          response: { 200: CustomerSession, ...errors(400, 403, 404, 429) },
        },
      },
      async (req, reply) =>
        signedIn(
          reply,
          await verifyCustomerEmail(ctx, {
            slug: req.params.slug,
            token: req.body.token,
            password: req.body.password,
            ip: req.ip,
          }),
        ),
    );
  };
