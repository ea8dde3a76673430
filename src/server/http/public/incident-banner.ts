import type { FastifyPluginAsync } from "fastify";
import { systemActorIn } from "../../actors.ts";
import type { AppContext } from "../../context.ts";
import type { Translator } from "../../i18n/translator.ts";
import { incidentsVisibleTo } from "../../incidents/incident.access.ts";
import { bannerIncidents, type IncidentReader, reportAffected } from "../../incidents/incident.portal.ts";
import { OPEN_INCIDENT_STATUSES } from "../../incidents/incident.schemas.ts";
import { findTicketByTrackingToken } from "../../tickets/ticket.access.ts";
import { formString } from "../../web/forms.ts";
import type { Html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { pageEntry, trackingViewer } from "../portal/portal-entry.ts";
import { trackingCookieName } from "../shared/cookies.ts";
import { pageTree } from "../shared/page-tree.ts";
import { type AffectsMeForm, incidentBanners } from "./incident.views.ts";

// The incident banner for the pages without the customers' gate (the home, a tracking link's
// page), and "This affects me too" for a tracking link's holder: the link's token (its cookie,
// scoped to the ticket's path, which this form's address is below) says who they are.

/** Whether the workspace has an open incident at all: one indexed read before anything more. */
async function anyOpen(ctx: AppContext, ws: Workspace): Promise<boolean> {
  const row = await incidentsVisibleTo(ctx.database.db, systemActorIn("incident banner", ws.id))
    .select("incidents.id")
    .where("incidents.status", "in", [...OPEN_INCIDENT_STATUSES])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The banner for a reader (nothing when no incident concerns them). */
export async function incidentBannerFor(
  ctx: AppContext,
  ws: Workspace,
  t: Translator,
  reader: IncidentReader,
  form: AffectsMeForm | null,
): Promise<Html | undefined> {
  if (!(await anyOpen(ctx, ws))) return undefined;
  const incidents = await bannerIncidents(ctx, reader);
  return incidents.length
    ? incidentBanners(incidents, t, reader.kind === "visitor" ? null : form)
    : undefined;
}

/** A place in this portal to come back to, else its home. */
export function safeBack(slug: string, back: string | undefined, fallback: string): string {
  const prefix = `/portal/${slug}/`;
  return back &&
    (back === `/portal/${slug}` || back.startsWith(prefix)) &&
    !back.includes("//", 1) &&
    !/[\\\s]/.test(back)
    ? back
    : fallback;
}

/** The banner on a tracking link's page: the holder is known once the token is checked. */
export async function trackingIncidentBanner(
  ctx: AppContext,
  ws: Workspace,
  t: Translator,
  p: { reference: string; token: string; path: string },
): Promise<Html | undefined> {
  if (!(await anyOpen(ctx, ws))) return undefined;
  const access = await findTicketByTrackingToken(ctx, ws.slug, p.reference, p.token);
  return incidentBannerFor(ctx, ws, t, access.actor, {
    action: (id) => `${p.path}/incidents/${id}/affected`,
    csrf: null,
    back: p.path,
  });
}

export const incidentTrackingPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 4 * 1024 });
    const cookie = trackingCookieName(ctx.config);
    app.post<{ Params: { slug: string; reference: string; id: string } }>(
      "/:slug/tickets/:reference/incidents/:id/affected",
      async (req, reply) => {
        const { slug, reference } = req.params;
        const entry = await pageEntry(ctx, req, reply, slug, undefined, { onlyIfRequired: true });
        if (!entry) return reply;
        const access = await findTicketByTrackingToken(ctx, slug, reference, req.cookies[cookie] ?? "", {
          viewer: trackingViewer(entry),
        });
        await reportAffected(ctx, access.actor, req.params.id.slice(0, 64));
        const path = `/portal/${slug}/tickets/${reference}`;
        const back = safeBack(slug, formString(req.body, "back"), path);
        return reply.redirect(`${back}#incident-${encodeURIComponent(req.params.id.slice(0, 64))}`, 303);
      },
    );
  };
