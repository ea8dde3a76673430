import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { Key } from "../../lib/schema.ts";
import { assignmentSettingsOf, updateAssignmentSettings } from "../../routing/assignment-settings.ts";
import { availabilityOf, setAvailability, setCapacity } from "../../routing/availability.ts";
import {
  AssignmentPatchBody,
  AssignmentSettings,
  Availability,
  AvailabilityBody,
  Capacity,
  CapacityBody,
  NewTeamBody,
  Team,
  TeamList,
  TeamPatchBody,
} from "../../routing/routing.schemas.ts";
import { createTeam, deleteTeam, getTeam, listTeams, updateTeam } from "../../routing/teams.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Routing: assignment settings, teams, each agent's availability and capacity. Under the agents'
// gate with the rest of the workspace API (registered by workspace.routes.ts).

const security = [{ session: [], csrf: [] }];
const tags = ["settings"];
const Id = Type.Object({ id: Key(64) });

export const workspaceRoutingRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/assignment",
      {
        schema: {
          tags,
          summary: "How new tickets are assigned",
          security,
          response: { 200: AssignmentSettings, ...errors(401) },
        },
      },
      async (req) => assignmentSettingsOf(await getWorkspace(ctx, sessionOf(req).actor)),
    );

    app.patch(
      "/settings/assignment",
      {
        schema: {
          tags,
          summary: "Change how new tickets are assigned (admins)",
          description: "Holds for the next new ticket; tickets already assigned stay. Audited.",
          security,
          body: AssignmentPatchBody,
          response: { 200: AssignmentSettings, ...errors(400, 401, 403) },
        },
      },
      async (req) => {
        const actor = sessionOf(req).actor;
        return updateAssignmentSettings(ctx, actor, await getWorkspace(ctx, actor), req.body);
      },
    );

    app.get(
      "/teams",
      {
        schema: {
          tags,
          summary: "The workspace's teams",
          security,
          response: { 200: TeamList, ...errors(401) },
        },
      },
      async (req) => ({ items: await listTeams(ctx, sessionOf(req).actor) }),
    );

    app.post(
      "/teams",
      {
        schema: {
          tags,
          summary: "Create a team (admins)",
          security,
          body: NewTeamBody,
          response: { 201: Team, ...errors(400, 401, 403, 409) },
        },
      },
      async (req, reply) => reply.status(201).send(await createTeam(ctx, sessionOf(req).actor, req.body)),
    );

    app.get(
      "/teams/:id",
      {
        schema: {
          tags,
          summary: "One team",
          security,
          params: Id,
          response: { 200: Team, ...errors(401, 404) },
        },
      },
      async (req) => getTeam(ctx, sessionOf(req).actor, req.params.id),
    );

    app.patch(
      "/teams/:id",
      {
        schema: {
          tags,
          summary: "Rename a team or choose its members (admins)",
          security,
          params: Id,
          body: TeamPatchBody,
          response: { 200: Team, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => updateTeam(ctx, sessionOf(req).actor, req.params.id, req.body),
    );

    app.delete(
      "/teams/:id",
      {
        schema: {
          tags,
          summary: "Delete a team (admins)",
          description: "Its tickets stay, without a team; ticket types routed to it are no longer.",
          security,
          params: Id,
          response: { 204: Type.Null(), ...errors(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await deleteTeam(ctx, sessionOf(req).actor, req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/me/availability",
      {
        schema: {
          tags,
          summary: "My availability and capacity",
          security,
          response: { 200: Availability, ...errors(401) },
        },
      },
      async (req) => availabilityOf(ctx, sessionOf(req).actor),
    );

    app.put(
      "/me/availability",
      {
        schema: {
          tags,
          summary: "Set my availability",
          description:
            "Away agents get no new tickets. Going away with handBack, my open tickets are unassigned and assigned again by the workspace's mode; without it I keep them.",
          security,
          body: AvailabilityBody,
          response: { 200: Availability, ...errors(400, 401) },
        },
      },
      async (req) => setAvailability(ctx, sessionOf(req).actor, req.body),
    );

    app.put(
      "/agents/:id/capacity",
      {
        schema: {
          tags,
          summary: "Set an agent's capacity (admins)",
          description: "The most open tickets auto-assignment gives the agent; null: no limit. Audited.",
          security,
          params: Id,
          body: CapacityBody,
          response: { 200: Capacity, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => setCapacity(ctx, sessionOf(req).actor, req.params.id, req.body.capacity),
    );
  };
