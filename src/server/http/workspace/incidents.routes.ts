import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { incidentDetail, listIncidents } from "../../incidents/incident.read.ts";
import { resolveIncident } from "../../incidents/incident.resolve.ts";
import {
  IncidentPatchBody,
  IncidentSchema,
  IncidentSummarySchema,
  LinkTicketBody,
  NewIncidentBody,
  ResolveIncidentBody,
} from "../../incidents/incident.schemas.ts";
import { declareIncident, linkTicket, updateIncident } from "../../incidents/incident.service.ts";
import { Key, OneOf } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Incidents for agents: declare, read, update (status, message, products, companies), link
// tickets, resolve (which emails every customer it concerned, once). Another workspace's is a 404.

const security = [{ session: [], csrf: [] }];
const tags = ["incidents"];
const Params = Type.Object({ id: Key(64) });

export const workspaceIncidentRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/incidents",
      {
        schema: {
          tags,
          security,
          summary: "Incidents: open ones newest first, then the last 50 resolved",
          querystring: Type.Object({ status: Type.Optional(OneOf(["open", "resolved", "all"] as const)) }),
          response: { 200: Type.Array(IncidentSummarySchema), ...errors(400, 401) },
        },
      },
      async (req) => listIncidents(ctx, sessionOf(req).actor, { status: req.query.status ?? "all" }),
    );
    app.post(
      "/incidents",
      {
        schema: {
          tags,
          security,
          summary: "Declare an incident (no companies: it concerns every customer)",
          body: NewIncidentBody,
          response: { 201: IncidentSchema, ...errors(400, 401) },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await declareIncident(ctx, sessionOf(req).actor, req.body)),
    );
    app.get(
      "/incidents/:id",
      {
        schema: {
          tags,
          security,
          summary: "One incident with its companies and linked tickets",
          params: Params,
          response: { 200: IncidentSchema, ...errors(401, 404) },
        },
      },
      async (req) => incidentDetail(ctx, sessionOf(req).actor, req.params.id),
    );
    app.patch(
      "/incidents/:id",
      {
        schema: {
          tags,
          security,
          summary: "Post an update: its status, message, products or companies (reopens a resolved one)",
          params: Params,
          body: IncidentPatchBody,
          response: { 200: IncidentSchema, ...errors(400, 401, 404) },
        },
      },
      async (req) => updateIncident(ctx, sessionOf(req).actor, req.params.id, req.body),
    );
    app.post(
      "/incidents/:id/tickets",
      {
        schema: {
          tags,
          security,
          summary: "Link a ticket; its contact is told when the incident is resolved",
          params: Params,
          body: LinkTicketBody,
          response: { 200: IncidentSchema, ...errors(400, 401, 404) },
        },
      },
      async (req) => linkTicket(ctx, sessionOf(req).actor, req.params.id, req.body.reference),
    );
    app.post(
      "/incidents/:id/resolve",
      {
        schema: {
          tags,
          security,
          summary:
            "Resolve: one email to each customer not yet told (linked tickets' contacts and those it affected)",
          params: Params,
          body: ResolveIncidentBody,
          response: {
            200: Type.Object({
              incident: IncidentSchema,
              told: Type.Integer({ description: "Customers emailed now" }),
            }),
            ...errors(400, 401, 404),
          },
        },
      },
      async (req) => resolveIncident(ctx, sessionOf(req).actor, req.params.id, req.body),
    );
  };
