import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import {
  CreateFormBody,
  FormDetail,
  FormPatch,
  FormResponseView,
  FormSummary,
  FormVersionView,
  PropertyChangeView,
  TaskFormView,
} from "../../forms/form.schemas.ts";
import { createForm, getForm, listForms, listVersions, updateForm } from "../../forms/form.service.ts";
import { propertyHistory } from "../../forms/properties.ts";
import { getResponse, getTaskForm, listCompanyResponses } from "../../forms/response.service.ts";
import { Key } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Forms for agents (admins change them), their versions, and what companies answered. Under the
// agents' gate with the rest of the workspace API (registered by workspace.routes.ts).

const security = [{ session: [], csrf: [] }];
const tags = ["forms"];
const Id = Type.Object({ id: Key(64) });

export const workspaceFormRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/forms",
      {
        schema: {
          tags,
          summary: "Forms, by name",
          description: "Archived forms only with archived=true.",
          security,
          querystring: Type.Object({ archived: Type.Optional(Type.Boolean()) }),
          response: { 200: Type.Object({ items: Type.Array(FormSummary) }), ...errors(400, 401) },
        },
      },
      async (req) => ({
        items: await listForms(ctx, sessionOf(req).actor, { archived: req.query.archived ?? false }),
      }),
    );

    app.post(
      "/forms",
      {
        schema: {
          tags,
          summary: "Create a form (admins)",
          description:
            "requestType makes it the extra part of that type's submit form: one live form per type (409 request_type_taken).",
          security,
          body: CreateFormBody,
          response: { 201: FormDetail, ...errors(400, 401, 403, 409) },
        },
      },
      async (req, reply) => reply.status(201).send(await createForm(ctx, sessionOf(req).actor, req.body)),
    );

    app.get(
      "/forms/:id",
      {
        schema: {
          tags,
          summary: "A form and its current fields",
          security,
          params: Id,
          response: { 200: FormDetail, ...errors(401, 404) },
        },
      },
      async (req) => getForm(ctx, sessionOf(req).actor, req.params.id),
    );

    app.patch(
      "/forms/:id",
      {
        schema: {
          tags,
          summary: "Change a form (admins)",
          description:
            "Changed fields make a new version; answers already given keep the version they answered.",
          security,
          params: Id,
          body: FormPatch,
          response: { 200: FormDetail, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => updateForm(ctx, sessionOf(req).actor, req.params.id, req.body),
    );

    app.get(
      "/forms/:id/versions",
      {
        schema: {
          tags,
          summary: "Every version of a form, newest first",
          security,
          params: Id,
          response: { 200: Type.Object({ items: Type.Array(FormVersionView) }), ...errors(401, 404) },
        },
      },
      async (req) => ({ items: await listVersions(ctx, sessionOf(req).actor, req.params.id) }),
    );

    app.get(
      "/companies/:id/form-responses",
      {
        schema: {
          tags,
          summary: "A company's answers, each with the fields of the version it answered",
          security,
          params: Id,
          response: { 200: Type.Object({ items: Type.Array(FormResponseView) }), ...errors(401, 404) },
        },
      },
      async (req) => ({ items: await listCompanyResponses(ctx, sessionOf(req).actor, req.params.id) }),
    );

    app.get(
      "/form-responses/:id",
      {
        schema: {
          tags,
          summary: "One answer",
          security,
          params: Id,
          response: { 200: FormResponseView, ...errors(401, 404) },
        },
      },
      async (req) => getResponse(ctx, sessionOf(req).actor, req.params.id),
    );

    app.get(
      "/tasks/:id/form",
      {
        schema: {
          tags,
          summary: "A task's form with its draft or the answers sent",
          description: "The version shown is the one answered once sent.",
          security,
          params: Id,
          response: { 200: TaskFormView, ...errors(401, 404) },
        },
      },
      async (req) => getTaskForm(ctx, sessionOf(req).actor, req.params.id),
    );

    app.get(
      "/companies/:id/property-history",
      {
        schema: {
          tags,
          summary: "Every change of a company's properties, newest first, with who gave each value",
          security,
          params: Id,
          response: { 200: Type.Object({ items: Type.Array(PropertyChangeView) }), ...errors(401, 404) },
        },
      },
      async (req) => ({ items: await propertyHistory(ctx, sessionOf(req).actor, req.params.id) }),
    );
  };
