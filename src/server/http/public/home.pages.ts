import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../../context.ts";
import { portalKbOf } from "../../kb/kb.portal.ts";
import { portalTopics } from "../../kb/kb.portal-topics.ts";
import { listPortalTickets } from "../../tickets/customer-portal.ts";
import { pageShown } from "../../workspaces/portal-basics.ts";
import { customerCsrfValue, pageEntry } from "../portal/portal-entry.ts";
import { portalLayout } from "../shared/customer.layout.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerTranslator } from "../shared/locale.ts";
import { pageTree } from "../shared/page-tree.ts";
import { homeMain } from "./home.views.ts";
import { incidentBannerFor } from "./incident-banner.ts";

// /portal/{slug}: the portal's home for everyone, search first (home.views.ts). The submit form
// is at /portal/{slug}/submit; a signed-in customer's own overview stays at /portal/{slug}/home.

/** Open requests counted on the home, at most (more reads as this many). */
const OPEN_COUNT_MAX = 99;

export const homePages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 1024 });

    app.get<{ Params: { slug: string } }>("/:slug", async (req, reply) => {
      const entry = await pageEntry(ctx, req, reply, req.params.slug, `/portal/${req.params.slug}`);
      if (!entry) return reply;
      const { ws, customer } = entry;
      const [kb, open] = await Promise.all([
        pageShown(ws, "kb") ? portalKbOf(ctx, ws, entry.actor).then((k) => portalTopics(ctx, k)) : null,
        customer ? listPortalTickets(ctx, customer.actor, { status: "open" }, OPEN_COUNT_MAX) : null,
      ]);
      const nonce = newNonce();
      const t = customerTranslator(ctx.config, reply, ws);
      const csrfToken = customerCsrfValue(entry);
      if (customer) reply.header("cache-control", "no-store");
      const banner = await incidentBannerFor(ctx, ws, t, entry.actor, {
        action: (id) => `/portal/${ws.slug}/incidents/${id}/affected`,
        csrf: csrfToken,
        back: `/portal/${ws.slug}`,
      });
      return sendHtml(
        reply,
        portalLayout({
          ws,
          t,
          nonce,
          title: t.t("home:title"),
          current: "home",
          banner,
          main: homeMain(ws, t, { kb, openRequests: open ? open.items.length : null }),
          ...(customer && csrfToken
            ? { customer: { csrfToken, company: customer.actor.companyId !== null } }
            : {}),
        }),
        { kind: "page", nonce },
      );
    });
  };
