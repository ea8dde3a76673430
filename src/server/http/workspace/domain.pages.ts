import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, validationFailed } from "../../errors.ts";
import { formString } from "../../web/forms.ts";
import {
  changeSlug,
  clearCustomDomain,
  domainStatusOf,
  setCustomDomain,
  verifyCustomDomain,
} from "../../workspaces/custom-domain.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { formValidator } from "../shared/validation.ts";
import { DomainBody, SlugBody } from "./domain.schemas.ts";
import { type DomainPageState, domainMain } from "./domain.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/settings/domain: the forms pass the JSON API's own body schemas before the services see
// them; every change reloads this process's host table (host-routing.ts).

const checkDomain = formValidator(DomainBody);
const checkSlugBody = formValidator(SlugBody);

const NOTICES: Record<string, string> = {
  slug: "The portal's address changed. Old links redirect to the new one.",
  domain: "Domain saved. Prove it below, then choose Check now.",
  verified: "Domain verified. Links to the portal now use it.",
  removed: "Custom domain removed. Links to it redirect to the portal's address.",
};

export const domainPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const show = async (
      req: FastifyRequest,
      reply: FastifyReply,
      st: DomainPageState & { status?: number } = {},
    ) => {
      const s = req.session as SessionInfo;
      const ws = await getWorkspace(ctx, s.actor);
      return sendAppPage(req, reply, {
        title: "Domain",
        section: "settings",
        status: st.status ?? 200,
        main: domainMain(req, domainStatusOf(ctx, ws), s.agent.role === "admin", st),
      });
    };
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;
    /** A refused form shows the page again with the field at fault and what was typed. */
    const refused = async (
      req: FastifyRequest,
      reply: FastifyReply,
      err: unknown,
      typed: DomainPageState["typed"],
    ) => {
      if (err instanceof AppError && (err.status === 400 || err.status === 409)) {
        return show(req, reply, { errors: err.fields ?? {}, typed, status: err.status });
      }
      throw err;
    };

    app.get<{ Querystring: { saved?: string } }>("/", async (req, reply) =>
      show(req, reply, { notice: NOTICES[req.query.saved ?? ""] }),
    );

    app.post("/", async (req, reply) => {
      const body = { domain: formString(req.body, "domain") ?? "" };
      try {
        const errors = checkDomain(body);
        if (errors) throw validationFailed(errors);
        await setCustomDomain(ctx, actorOf(req), body.domain);
        await app.hosts.reload();
        return reply.redirect("/app/settings/domain?saved=domain", 303);
      } catch (err) {
        return refused(req, reply, err, { domain: body.domain });
      }
    });

    app.post("/verify", async (req, reply) => {
      try {
        const result = await verifyCustomDomain(ctx, actorOf(req));
        await app.hosts.reload();
        if (result.status.state === "verified")
          return reply.redirect("/app/settings/domain?saved=verified", 303);
        return show(req, reply, { failed: result.checks });
      } catch (err) {
        return refused(req, reply, err, {});
      }
    });

    app.post("/remove", async (req, reply) => {
      await clearCustomDomain(ctx, actorOf(req));
      await app.hosts.reload();
      return reply.redirect("/app/settings/domain?saved=removed", 303);
    });

    app.post("/slug", async (req, reply) => {
      const body = { slug: formString(req.body, "slug") ?? "" };
      try {
        const errors = checkSlugBody(body);
        if (errors) throw validationFailed(errors);
        await changeSlug(ctx, actorOf(req), body.slug);
        await app.hosts.reload();
        return reply.redirect("/app/settings/domain?saved=slug", 303);
      } catch (err) {
        return refused(req, reply, err, { slug: body.slug });
      }
    });
  };
