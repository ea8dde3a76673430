import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { TICKET_TYPES, type TicketType } from "../../../shared/tickets.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, validationFailed } from "../../errors.ts";
import { CreateFormBody, type FormDetail, FormField, FormPatch } from "../../forms/form.schemas.ts";
import { createForm, getForm, listForms, updateForm } from "../../forms/form.service.ts";
import { formString, formText } from "../../web/forms.ts";
import { html } from "../../web/html.ts";
import { formValidator } from "../shared/validation.ts";
import { type FormPageState, formMain, formsListMain, newFormSection } from "./forms.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/forms: the builder, through the same services as the JSON API. Every change of the fields
// saves the whole list, so each is a version of its own.

const checkField = formValidator(FormField);
const checkCreate = formValidator(CreateFormBody);
const checkPatch = formValidator(FormPatch);

/** A refusal the person can fix (a 4xx but a 404 or 403) shown on the form; anything else thrown on. */
const fixable = (err: unknown): err is AppError =>
  err instanceof AppError && err.status < 500 && err.status !== 404 && err.status !== 403;

const NOTICES: Record<string, string> = {
  created: "Form created. Add its fields below.",
  saved: "Saved.",
  field: "Field saved: a new version.",
  archived: "Form archived.",
  restored: "Form restored.",
};

/** A key from a label, unique in the form: what answers are stored by. */
function keyFor(label: string, taken: string[]): string {
  const base =
    `f_${label
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")}`
      .replace(/^f_(?=[a-z])/, "")
      .slice(0, 50) || "field";
  let key = base;
  for (let n = 2; taken.includes(key); n++) key = `${base}_${n}`;
  return key;
}

/** The request type chosen, or none; anything but a known type is refused beside the field. */
function requestTypeOf(raw: string | undefined): TicketType | null {
  if (!raw) return null;
  if (!(TICKET_TYPES as readonly string[]).includes(raw))
    throw validationFailed({ requestType: "is not a request type" });
  return raw as TicketType;
}

const num = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : Number(s));

/** A field from the builder's form; its key is kept when it is an edit. */
function fieldOf(body: unknown, key: string): FormField {
  const options = formText(body, "options")
    .split("\n")
    .map((o) => o.trim())
    .filter(Boolean);
  const help = formText(body, "help").trim();
  const property = (formString(body, "property") ?? "").trim();
  const maxLength = num(formString(body, "maxLength"));
  const min = num(formString(body, "min"));
  const max = num(formString(body, "max"));
  return {
    key,
    label: (formString(body, "label") ?? "").trim(),
    type: (formString(body, "type") ?? "short_text") as FormField["type"],
    required: Boolean(formString(body, "required")),
    ...(help ? { help } : {}),
    ...(maxLength !== undefined ? { maxLength } : {}),
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(options.length ? { options } : {}),
    ...(property ? { property } : {}),
  };
}

const valuesOf = (body: unknown) =>
  Object.fromEntries(
    ["label", "type", "required", "help", "options", "maxLength", "min", "max", "property"].map((k) => [
      k,
      formText(body, k),
    ]),
  );

/** Errors of the whole list ("fields/2/options") shown on the one field's form. */
const ownErrors = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.replace(/^fields\/\d+\//, ""), v]));

export const formPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;
    const isAdmin = (req: FastifyRequest) => (req.session as SessionInfo).agent.role === "admin";

    const showList = async (
      req: FastifyRequest,
      reply: FastifyReply,
      st: FormPageState & { status?: number } = {},
    ) =>
      sendAppPage(req, reply, {
        title: "Forms",
        section: "forms",
        status: st.status ?? 200,
        main: formsListMain(req, await listForms(ctx, actorOf(req)), isAdmin(req), st),
      });

    app.get<{ Querystring: { done?: string } }>("/forms", (req, reply) =>
      showList(req, reply, { notice: NOTICES[req.query.done ?? ""] }),
    );

    app.get("/forms/new", (req, reply) =>
      sendAppPage(req, reply, {
        title: "New form",
        section: "forms",
        main: html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/forms">Forms</a></nav>${newFormSection(req)}`,
      }),
    );

    app.post("/forms", async (req, reply) => {
      const values = {
        name: (formString(req.body, "name") ?? "").trim(),
        requestType: formString(req.body, "requestType") ?? "",
      };
      try {
        const body = { name: values.name, requestType: requestTypeOf(values.requestType) };
        const errors = checkCreate(body);
        if (errors) throw validationFailed(errors);
        const f = await createForm(ctx, actorOf(req), body);
        return reply.redirect(`/app/forms/${f.id}?done=created`, 303);
      } catch (err) {
        if (!fixable(err)) throw err;
        return showList(req, reply, {
          ...(err.fields ? { errors: err.fields } : { message: err.message }),
          values,
          status: err.status,
        });
      }
    });

    type Id = { Params: { id: string } };
    const showForm = async (
      req: FastifyRequest<Id>,
      reply: FastifyReply,
      st: FormPageState & { status?: number } = {},
    ) => {
      const f = await getForm(ctx, actorOf(req), req.params.id.slice(0, 64));
      return sendAppPage(req, reply, {
        title: f.name,
        section: "forms",
        status: st.status ?? 200,
        main: formMain(req, f, isAdmin(req), st),
      });
    };

    app.get<Id & { Querystring: { done?: string } }>("/forms/:id", (req, reply) =>
      showForm(req, reply, { notice: NOTICES[req.query.done ?? ""] }),
    );

    /** Runs a change; a fixable refusal re-renders the form with the error on the block it came from. */
    const change = async (
      req: FastifyRequest<Id>,
      reply: FastifyReply,
      block: FormPageState["block"],
      run: (form: FormDetail) => Promise<unknown>,
      done: string,
    ) => {
      const id = req.params.id.slice(0, 64);
      const form = await getForm(ctx, actorOf(req), id);
      try {
        await run(form);
        return reply.redirect(
          `/app/forms/${id}?done=${done}${typeof block === "number" || block === "new" ? "#fields" : ""}`,
          303,
        );
      } catch (err) {
        if (!fixable(err)) throw err;
        const st: FormPageState & { status: number } = {
          block,
          status: err.status,
          values:
            block === "details"
              ? {
                  name: formText(req.body, "name"),
                  description: formText(req.body, "description"),
                  requestType: formText(req.body, "requestType"),
                }
              : valuesOf(req.body),
        };
        if (err.fields) st.errors = ownErrors(err.fields);
        else st.message = err.message;
        return showForm(req, reply, st);
      }
    };

    const save = (req: FastifyRequest, id: string, fields: FormField[]) =>
      updateForm(ctx, actorOf(req), id, { fields });

    app.post<Id>("/forms/:id", (req, reply) =>
      change(
        req,
        reply,
        "details",
        (form) => {
          const patch = {
            name: (formString(req.body, "name") ?? "").trim(),
            description: formText(req.body, "description"),
            requestType: requestTypeOf(formString(req.body, "requestType")),
          };
          const errors = checkPatch(patch);
          if (errors) throw validationFailed(errors);
          return updateForm(ctx, actorOf(req), form.id, patch);
        },
        "saved",
      ),
    );

    app.post<Id>("/forms/:id/archive", (req, reply) => {
      const archived = Boolean(formString(req.body, "archived"));
      return change(
        req,
        reply,
        "details",
        (form) => updateForm(ctx, actorOf(req), form.id, { archived }),
        archived ? "archived" : "restored",
      );
    });

    app.post<Id>("/forms/:id/fields", (req, reply) =>
      change(
        req,
        reply,
        "new",
        (form) => {
          const field = fieldOf(
            req.body,
            keyFor(
              formString(req.body, "label") ?? "",
              form.fields.map((f) => f.key),
            ),
          );
          const errors = checkField(field);
          if (errors) throw validationFailed(errors);
          return save(req, form.id, [...form.fields, field]);
        },
        "field",
      ),
    );

    type At = { Params: { id: string; i: string } };
    const at = (req: FastifyRequest<At>, form: FormDetail) => {
      const i = Number(req.params.i);
      if (!Number.isInteger(i) || i < 0 || i >= form.fields.length)
        throw new AppError(404, "not_found", "No such field.");
      return i;
    };

    app.post<At>("/forms/:id/fields/:i", (req, reply) =>
      change(
        req as unknown as FastifyRequest<Id>,
        reply,
        Number(req.params.i),
        (form) => {
          const i = at(req, form);
          const field = fieldOf(req.body, (form.fields[i] as FormField).key);
          const errors = checkField(field);
          if (errors) throw validationFailed(errors);
          return save(
            req,
            form.id,
            form.fields.map((f, n) => (n === i ? field : f)),
          );
        },
        "field",
      ),
    );

    const move = (delta: number) => (req: FastifyRequest<At>, reply: FastifyReply) =>
      change(
        req as unknown as FastifyRequest<Id>,
        reply,
        undefined,
        (form) => {
          const i = at(req, form);
          const j = i + delta;
          if (j < 0 || j >= form.fields.length) return Promise.resolve();
          const fields = [...form.fields];
          [fields[i], fields[j]] = [fields[j] as FormField, fields[i] as FormField];
          return save(req, form.id, fields);
        },
        "field",
      );
    app.post<At>("/forms/:id/fields/:i/up", move(-1));
    app.post<At>("/forms/:id/fields/:i/down", move(1));

    app.post<At>("/forms/:id/fields/:i/delete", (req, reply) =>
      change(
        req as unknown as FastifyRequest<Id>,
        reply,
        undefined,
        (form) => {
          const i = at(req, form);
          return save(
            req,
            form.id,
            form.fields.filter((_, n) => n !== i),
          );
        },
        "field",
      ),
    );
  };
