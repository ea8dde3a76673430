import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../../context.ts";
import { reportAffected } from "../../incidents/incident.portal.ts";
import { formString } from "../../web/forms.ts";
import { safeBack } from "../public/incident-banner.ts";
import { customerOf } from "./gate.ts";

// /portal/{slug}/incidents/{id}/affected: a signed-in customer's "This affects me too", from the
// banner of any portal page (behind the customers' gate, which checks the form's CSRF token);
// back to the page it came from, where the banner now says they will be told.

export const portalIncidentPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { slug: string; id: string } }>(
      "/:slug/incidents/:id/affected",
      async (req, reply) => {
        const id = req.params.id.slice(0, 64);
        await reportAffected(ctx, customerOf(req).actor, id);
        const back = safeBack(
          req.params.slug,
          formString(req.body, "back"),
          `/portal/${req.params.slug}/home`,
        );
        return reply.redirect(`${back}#incident-${encodeURIComponent(id)}`, 303);
      },
    );
  };
