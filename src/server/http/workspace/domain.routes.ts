import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { AppContext } from "../../context.ts";
import {
  changeSlug,
  clearCustomDomain,
  domainStatusOf,
  setCustomDomain,
  verifyCustomDomain,
} from "../../workspaces/custom-domain.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { errors } from "../shared/schema.ts";
import { DomainBody, DomainStatusSchema, SlugBody, VerificationSchema } from "./domain.schemas.ts";
import { sessionOf } from "./gate.ts";

// Settings → Domain as JSON: the custom domain (set, verify, remove) and the slug. Every change
// reloads this process's host table at once (host-routing.ts; other processes within its refresh).

const security = [{ session: [], csrf: [] }];
const tags = ["settings"];

export const workspaceDomainRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const changed = async <T>(work: Promise<T>): Promise<T> => {
      const result = await work;
      await app.hosts.reload();
      return result;
    };

    app.get(
      "/settings/domain",
      {
        schema: {
          tags,
          summary: "The portal's address: slug, custom domain and its verification",
          security,
          response: { 200: DomainStatusSchema, ...errors(401) },
        },
      },
      async (req) => domainStatusOf(ctx, await getWorkspace(ctx, sessionOf(req).actor)),
    );

    app.put(
      "/settings/domain",
      {
        schema: {
          tags,
          summary: "Set the custom domain (admins); pending until verified",
          description:
            "409 domain_taken when another workspace uses it; 400 for an IP address, a name that is not a host name, or this server's own host.",
          security,
          body: DomainBody,
          response: { 200: DomainStatusSchema, ...errors(400, 401, 403, 409) },
        },
      },
      async (req) => changed(setCustomDomain(ctx, sessionOf(req).actor, req.body.domain)),
    );

    app.delete(
      "/settings/domain",
      {
        schema: {
          tags,
          summary: "Remove the custom domain (admins); a verified one keeps redirecting",
          security,
          response: { 200: DomainStatusSchema, ...errors(401, 403) },
        },
      },
      async (req) => changed(clearCustomDomain(ctx, sessionOf(req).actor)),
    );

    app.post(
      "/settings/domain/verify",
      {
        schema: {
          tags,
          summary: "Check the domain by HTTP and DNS (admins); either proof verifies it",
          description:
            "HTTP: http://<domain>/.well-known/portico-domain-verification/<token> must answer the token (Portico answers it once the name points here; not counted when another workspace here claims the name too). DNS: TXT _portico.<domain> = portico-verification=<token>. Each check is bounded in time; checks.*.detail says what was found.",
          security,
          response: { 200: VerificationSchema, ...errors(401, 403, 409) },
        },
      },
      async (req) => changed(verifyCustomDomain(ctx, sessionOf(req).actor)),
    );

    app.put(
      "/settings/slug",
      {
        schema: {
          tags,
          summary: "Change the portal's slug (admins); links with the old one redirect",
          description:
            "409 slug_taken when another workspace has or had it; 400 for a reserved or malformed slug.",
          security,
          body: SlugBody,
          response: { 200: DomainStatusSchema, ...errors(400, 401, 403, 409) },
        },
      },
      async (req) => changed(changeSlug(ctx, sessionOf(req).actor, req.body.slug)),
    );
  };
