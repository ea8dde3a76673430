import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { AgentActor } from "../../actors.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import { companyOptions } from "../../companies/company.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { incidentDetail, incidentsForTicket, listIncidents } from "../../incidents/incident.read.ts";
import { resolveIncident } from "../../incidents/incident.resolve.ts";
import { IncidentPatchBody, NewIncidentBody, ResolveIncidentBody } from "../../incidents/incident.schemas.ts";
import { declareIncident, linkTicket, updateIncident } from "../../incidents/incident.service.ts";
import { formString, formText } from "../../web/forms.ts";
import { formValidator } from "../shared/validation.ts";
import {
  type IncidentFormValues,
  type IncidentPageState,
  incidentMain,
  incidentsMain,
  ticketIncidentsCard,
} from "./incidents.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/incidents pages: plain forms checked with the API's own schemas, redirecting back with a
// notice; a refused form comes back with its values and errors.

const validNew = formValidator(NewIncidentBody);
const validPatch = formValidator(IncidentPatchBody);
const validResolve = formValidator(ResolveIncidentBody);

const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;

/** Every value of a repeated field (a multiple select), at most `max`. */
function formList(body: unknown, key: string, max = 100): string[] {
  const v = (body as Record<string, unknown> | undefined)?.[key];
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all.filter((x): x is string => typeof x === "string" && x !== "").slice(0, max);
}

function formValues(body: unknown): IncidentFormValues {
  return {
    title: (formString(body, "title") ?? "").trim().slice(0, 1000),
    message: formText(body, "message").trim().slice(0, 10_000),
    status: formString(body, "status") ?? "investigating",
    products: (formString(body, "products") ?? "").slice(0, 2000),
    companyIds: formList(body, "companyIds"),
  };
}

/** The form's values as the API's body. */
const bodyOf = (v: IncidentFormValues) => ({
  title: v.title,
  message: v.message,
  status: v.status,
  products: v.products
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean),
  companyIds: v.companyIds,
});

const NOTICES: Record<string, string> = {
  declared: "Incident declared. Customers it concerns see it on the portal now.",
  updated: "Update posted.",
  linked: "Ticket linked.",
  resolved: "Incident resolved.",
};

/** The ticket page's Incidents card (ticket sidebar). */
export async function ticketIncidentsFor(
  ctx: AppContext,
  req: FastifyRequest,
  ticketId: string,
  reference: string,
) {
  return ticketIncidentsCard(
    req,
    reference,
    await incidentsForTicket(ctx, actorOf(req) as AgentActor, ticketId),
  );
}

export const incidentPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const showList = async (
      req: FastifyRequest,
      reply: FastifyReply,
      st: IncidentPageState & { status?: number },
    ) => {
      const actor = actorOf(req);
      const [list, companies] = await Promise.all([listIncidents(ctx, actor), companyOptions(ctx, actor)]);
      return sendAppPage(req, reply, {
        title: "Incidents",
        section: "incidents",
        status: st.status ?? 200,
        main: incidentsMain(req, list, companies, st),
      });
    };
    const showOne = async (
      req: FastifyRequest,
      reply: FastifyReply,
      id: string,
      st: IncidentPageState & { status?: number },
    ) => {
      const actor = actorOf(req);
      const [incident, companies] = await Promise.all([
        incidentDetail(ctx, actor, id),
        companyOptions(ctx, actor),
      ]);
      return sendAppPage(req, reply, {
        title: `Incident: ${incident.title}`,
        section: "incidents",
        status: st.status ?? 200,
        main: incidentMain(req, incident, companies, st),
      });
    };
    /** A 400 comes back as the page with its errors; anything else goes on. */
    const refused = (err: unknown): FieldErrors | null =>
      err instanceof AppError && err.status === 400 ? (err.fields ?? { title: err.message }) : null;

    app.get<{ Querystring: { saved?: string } }>("/", async (req, reply) =>
      showList(req, reply, { notice: NOTICES[req.query.saved ?? ""] }),
    );

    app.post("/", async (req, reply) => {
      const values = formValues(req.body);
      const body = bodyOf(values);
      const errors = validNew(body);
      if (errors) return showList(req, reply, { values, errors, status: 400 });
      try {
        const made = await declareIncident(ctx, actorOf(req), body as Parameters<typeof declareIncident>[2]);
        return reply.redirect(`/app/incidents/${made.id}?saved=declared`, 303);
      } catch (err) {
        const fields = refused(err);
        if (fields) return showList(req, reply, { values, errors: fields, status: 400 });
        throw err;
      }
    });

    // From a ticket's page: link it to the incident chosen, back to the ticket.
    app.post("/link-ticket", async (req, reply) => {
      const reference = (formString(req.body, "reference") ?? "").slice(0, 20);
      const id = (formString(req.body, "incident") ?? "").slice(0, 64);
      await linkTicket(ctx, actorOf(req), id, reference);
      return reply.redirect(`/app/tickets/${encodeURIComponent(reference)}#incidents`, 303);
    });

    app.get<{ Params: { id: string }; Querystring: { saved?: string } }>("/:id", async (req, reply) =>
      showOne(req, reply, req.params.id.slice(0, 64), { notice: NOTICES[req.query.saved ?? ""] }),
    );

    app.post<{ Params: { id: string } }>("/:id", async (req, reply) => {
      const id = req.params.id.slice(0, 64);
      const values = formValues(req.body);
      const body = bodyOf(values);
      const errors = validPatch(body);
      if (errors) return showOne(req, reply, id, { values, errors, status: 400 });
      try {
        await updateIncident(ctx, actorOf(req), id, body as Parameters<typeof updateIncident>[3]);
        return reply.redirect(`/app/incidents/${id}?saved=updated`, 303);
      } catch (err) {
        const fields = refused(err);
        if (fields) return showOne(req, reply, id, { values, errors: fields, status: 400 });
        throw err;
      }
    });

    app.post<{ Params: { id: string } }>("/:id/tickets", async (req, reply) => {
      const id = req.params.id.slice(0, 64);
      const reference = (formString(req.body, "reference") ?? "").trim().slice(0, 20);
      try {
        if (!reference)
          throw new AppError(400, "validation_failed", "", { fields: { reference: "is required" } });
        await linkTicket(ctx, actorOf(req), id, reference);
        return reply.redirect(`/app/incidents/${id}?saved=linked`, 303);
      } catch (err) {
        const fields = refused(err);
        if (fields) return showOne(req, reply, id, { errors: fields, status: 400 });
        throw err;
      }
    });

    app.post<{ Params: { id: string } }>("/:id/resolve", async (req, reply) => {
      const id = req.params.id.slice(0, 64);
      const message = formText(req.body, "message").trim();
      const body = {
        ...(message ? { message } : {}),
        resolveTickets: formString(req.body, "resolveTickets") === "1",
      };
      const errors = validResolve(body);
      if (errors) return showOne(req, reply, id, { errors, status: 400 });
      await resolveIncident(ctx, actorOf(req), id, body);
      return reply.redirect(`/app/incidents/${id}?saved=resolved`, 303);
    });
  };
