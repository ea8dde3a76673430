import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { articleLinks } from "../../kb/kb.links.ts";
import {
  Macro,
  MacroInput,
  MacroPatch,
  MacroRenderInput,
  RenderedMacro,
} from "../../macros/macro.schemas.ts";
import {
  applyMacro,
  createMacro,
  deleteMacro,
  getMacro,
  listMacros,
  renderMacro,
  updateMacro,
} from "../../macros/macros.ts";
import { TicketDetail } from "../../tickets/ticket.schemas.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Macros, inside the workspace tree (its session and CSRF hook apply). Another agent's personal
// macro, and a shared one an agent may not change, answer 404 to a change.

const security = [{ session: [], csrf: [] }];
const tags = ["tickets"];
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const workspaceMacroRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/macros",
      {
        schema: {
          tags,
          summary: "Macros: the shared ones and your own",
          description: "q filters by name.",
          security,
          querystring: Type.Object(
            { q: Type.Optional(Type.String({ maxLength: 120 })) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(Macro) }), ...errors(400, 401) },
        },
      },
      async (req) => ({ items: await listMacros(ctx, sessionOf(req).actor, req.query.q ?? "") }),
    );

    app.post(
      "/macros",
      {
        schema: {
          tags,
          summary: "Save a macro",
          description: "Personal unless shared is true. Placeholders are filled when it is used.",
          security,
          body: MacroInput,
          response: { 201: Macro, ...errors(400, 401, 403) },
        },
      },
      async (req, reply) => reply.status(201).send(await createMacro(ctx, sessionOf(req).actor, req.body)),
    );

    app.get(
      "/macros/:id",
      {
        schema: {
          tags,
          summary: "A macro",
          security,
          params: IdParams,
          response: { 200: Macro, ...errors(401, 404) },
        },
      },
      async (req) => getMacro(ctx, sessionOf(req).actor, req.params.id),
    );

    app.patch(
      "/macros/:id",
      {
        schema: {
          tags,
          summary: "Change a macro",
          description: "Your own, or (admins) any shared one.",
          security,
          params: IdParams,
          body: MacroPatch,
          response: { 200: Macro, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => updateMacro(ctx, sessionOf(req).actor, req.params.id, req.body),
    );

    app.delete(
      "/macros/:id",
      {
        schema: {
          tags,
          summary: "Delete a macro",
          description: "Your own, or (admins) any shared one.",
          security,
          params: IdParams,
          response: { 204: Type.Null(), ...errors(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await deleteMacro(ctx, sessionOf(req).actor, req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/macros/:id/render",
      {
        schema: {
          tags,
          summary: "A macro's text filled for a ticket",
          description:
            "Plain text with the placeholders filled from the ticket, its customer and you; and the status and priority the macro sets when the reply is sent.",
          security,
          params: IdParams,
          body: MacroRenderInput,
          response: { 200: RenderedMacro, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => renderMacro(ctx, sessionOf(req).actor, req.params.id, req.body.reference),
    );

    app.post(
      "/macros/:id/apply",
      {
        schema: {
          tags,
          summary: "Apply a macro's status and priority to a ticket",
          description:
            "What the ticket page does once a reply written with the macro is sent; send the reply itself with POST /tickets/{reference}/replies first.",
          security,
          params: IdParams,
          body: MacroRenderInput,
          response: { 200: TicketDetail, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => applyMacro(ctx, sessionOf(req).actor, req.params.id, req.body.reference),
    );

    app.get(
      "/kb/links",
      {
        schema: {
          tags,
          summary: "Help articles to link in a reply",
          description:
            "Published articles a customer can open, found by the knowledge base's search, each with its portal address and a Markdown link.",
          security,
          querystring: Type.Object({ q: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  id: Type.String(),
                  title: Type.String(),
                  url: Type.String(),
                  markdown: Type.String(),
                }),
              ),
            }),
            ...errors(400, 401),
          },
        },
      },
      async (req) => ({ items: await articleLinks(ctx, sessionOf(req).actor, req.query.q) }),
    );
  };
