import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, notFound } from "../../errors.ts";
import { MacroInput, type MacroInputT, type MacroView } from "../../macros/macro.schemas.ts";
import { createMacro, deleteMacro, getMacro, listMacros, updateMacro } from "../../macros/macros.ts";
import { formString, formText } from "../../web/forms.ts";
import { validateBody } from "../shared/validation.ts";
import { sendAppPage } from "./layout.ts";
import { type MacroValues, macroEditor, macrosMain, macroValuesOf } from "./macros.views.ts";

// /app/macros: list, write, change and delete macros. The form passes the JSON API's own schema
// (macro.schemas.ts); a macro the agent may not change is the same 404 as a missing one.

const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;

function readForm(body: unknown): MacroValues {
  return {
    name: (formString(body, "name") ?? "").trim(),
    body: formText(body, "body"),
    shared: formString(body, "shared") === "1",
    setStatus: formString(body, "setStatus") ?? "",
    setPriority: formString(body, "setPriority") ?? "",
  };
}

const inputOf = (v: MacroValues) => ({
  name: v.name,
  body: v.body,
  shared: v.shared,
  setStatus: v.setStatus || null,
  setPriority: v.setPriority || null,
});

const NOTICES: Record<string, string> = { saved: "Macro saved.", deleted: "Macro deleted." };

export const macroPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Querystring: { done?: string } }>("/", async (req, reply) =>
      sendAppPage(req, reply, {
        title: "Macros",
        main: macrosMain(req, await listMacros(ctx, actorOf(req)), NOTICES[req.query.done ?? ""]),
      }),
    );

    const editable = async (req: FastifyRequest, id: string) => {
      const m = await getMacro(ctx, actorOf(req), id.slice(0, 64));
      if (!m.editable) throw notFound();
      return m;
    };

    const show = (
      req: FastifyRequest,
      reply: FastifyReply,
      v: MacroValues,
      opts: { macro?: MacroView; errors?: Record<string, string>; message?: string; status?: number },
    ) =>
      sendAppPage(req, reply, {
        title: opts.macro ? `Edit macro: ${opts.macro.name}` : "New macro",
        status: opts.status ?? 200,
        main: macroEditor(req, v, opts),
      });

    app.get("/new", (req, reply) =>
      show(req, reply, { name: "", body: "", shared: false, setStatus: "", setPriority: "" }, {}),
    );

    app.get<{ Params: { id: string } }>("/:id", async (req, reply) => {
      const macro = await editable(req, req.params.id);
      return show(req, reply, macroValuesOf(macro), { macro });
    });

    const save = async (req: FastifyRequest, reply: FastifyReply, id: string | undefined) => {
      const macro = id ? await editable(req, id) : undefined;
      const v = readForm(req.body);
      const input = inputOf(v);
      const errors = validateBody(MacroInput, input);
      if (errors) return show(req, reply, v, { ...(macro ? { macro } : {}), errors, status: 400 });
      try {
        const typed = input as MacroInputT;
        if (macro) await updateMacro(ctx, actorOf(req), macro.id, typed);
        else await createMacro(ctx, actorOf(req), typed);
        return reply.redirect("/app/macros?done=saved", 303);
      } catch (err) {
        if (err instanceof AppError && err.status < 500 && err.status !== 404) {
          return show(req, reply, v, {
            ...(macro ? { macro } : {}),
            ...(err.fields ? { errors: err.fields } : { message: err.message }),
            status: err.status,
          });
        }
        throw err;
      }
    };
    app.post("/new", (req, reply) => save(req, reply, undefined));
    app.post<{ Params: { id: string } }>("/:id", (req, reply) => save(req, reply, req.params.id));

    app.post<{ Params: { id: string } }>("/:id/delete", async (req, reply) => {
      await deleteMacro(ctx, actorOf(req), req.params.id.slice(0, 64));
      return reply.redirect("/app/macros?done=deleted", 303);
    });
  };
