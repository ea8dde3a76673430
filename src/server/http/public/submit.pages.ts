import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { DEFAULT_TICKET_TYPE } from "../../../shared/tickets.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { uploadKeysFrom } from "../../files/file.service.ts";
import { requestForms } from "../../forms/request-fields.ts";
import type { Translator } from "../../i18n/translator.ts";
import { OUTAGE_MESSAGES } from "../../lib/outage.ts";
import { submitPortalTicket } from "../../tickets/submit.ts";
import { type PortalSubmission, SubmitBody } from "../../tickets/ticket.schemas.ts";
import { formString, formText } from "../../web/forms.ts";
import { type Html, unsafeRaw } from "../../web/html.ts";
import { HtmlSlots } from "../../web/html-slots.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { customerCsrfHolds, customerCsrfValue, type PortalEntry, pageEntry } from "../portal/portal-entry.ts";
import { customerErrorMessage, portalLayout } from "../shared/customer.layout.ts";
import { answeringOutage, unexpectedOutage } from "../shared/errors.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerTranslator, readerLocale } from "../shared/locale.ts";
import { pageTree } from "../shared/page-tree.ts";
import { formValidator } from "../shared/validation.ts";
import { embedFraming } from "./embed-framing.ts";
import {
  requestFieldErrors,
  requestFieldsFromBody,
  requestFieldsHtml,
  splitRequestFieldErrors,
} from "./request-fields.views.ts";
import {
  type FormIds,
  type FormValues,
  newFormIds,
  receivedMain,
  submitForm as renderForm,
  type Sender,
  type SignedInAs,
} from "./submit.views.ts";

// /portal/{slug}/submit: a request without an account, or as the signed-in customer. The one page other sites may frame: any
// site, or only those the workspace lists (Settings → Share).

const isEmbedded = (req: FastifyRequest) => req.headers["sec-fetch-dest"] === "iframe";
const validSubmission = formValidator(SubmitBody);

/**
 * A visitor's submit page and the frame around its confirmation, rendered once per workspace row
 * (the object findWorkspaceBySlug answers while the row is unchanged: a change of settings is a
 * new row, so a new page), language, frame and request forms; each answer fills in its nonce and
 * the form's one-time values (HtmlSlots). A few versions at most are kept for each row.
 */
const VISITOR_PAGES = new WeakMap<Workspace, Map<string, HtmlSlots<string>>>();

function visitorPage<K extends string>(ws: Workspace, key: string, render: () => HtmlSlots<K>): HtmlSlots<K> {
  let pages = VISITOR_PAGES.get(ws);
  if (!pages) {
    pages = new Map();
    VISITOR_PAGES.set(ws, pages);
  }
  let made = pages.get(key) as HtmlSlots<K> | undefined;
  if (!made) {
    made = render();
    if (pages.size >= 16) pages.clear();
    pages.set(key, made);
  }
  return made;
}

/** The signed-in customer the form is sent as, with the CSRF token their form carries. */
const signedInAs = (entry: PortalEntry): SignedInAs | undefined =>
  entry.customer
    ? {
        name: entry.customer.contact.name,
        email: entry.customer.contact.email,
        csrf: customerCsrfValue(entry) as string,
      }
    : undefined;

export const submitPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 64 * 1024 });

    /** The page around `main`; signed in (and not in a frame on another site), with the signed-in portal's navigation. */
    const layout = (entry: PortalEntry, t: Translator, nonce: string, embedded: boolean, main: Html) => {
      const { ws } = entry;
      const nav = embedded ? undefined : signedInAs(entry);
      return portalLayout({
        ws,
        t,
        nonce,
        title: t.t("submit:title"),
        embedded,
        path: `/portal/${ws.slug}/submit`,
        main,
        current: "new",
        ...(nav
          ? { customer: { csrfToken: nav.csrf, company: entry.customer?.actor.companyId != null } }
          : {}),
      });
    };

    /** Without the signed-in navigation the frame is the same for every answer: made once. */
    const framed = (entry: PortalEntry, t: Translator, nonce: string, embedded: boolean, main: Html) =>
      embedded || !entry.customer
        ? visitorPage(entry.ws, `frame ${t.locale} ${embedded}`, () =>
            HtmlSlots.render(["nonce", "main"], (s) =>
              layout(entry, t, s.nonce, embedded, unsafeRaw(s.main)),
            ),
          ).fill({ nonce, main })
        : layout(entry, t, nonce, embedded, main);

    const page = (
      reply: FastifyReply,
      entry: PortalEntry,
      nonce: string,
      embedded: boolean,
      status: number,
      main: Html,
    ) => {
      const t = customerTranslator(ctx.config, reply, entry.ws);
      return sendHtml(reply, framed(entry, t, nonce, embedded, main), {
        kind: "page",
        nonce,
        status,
        framing: embedFraming(entry.ws),
      });
    };

    /** A visitor's confirmation: made once for each way it can read, then filled in. */
    const received = (
      entry: PortalEntry,
      t: Translator,
      embedded: boolean,
      result: { reference: string; trackingUrl: string | null },
      who: Sender,
      nonce: string,
    ) => {
      const { ws } = entry;
      const url = result.trackingUrl;
      const email = who.email;
      const names = ["nonce", "reference", "name", ...(url ? ["url"] : []), ...(email ? ["email"] : [])];
      const made = visitorPage(ws, `received ${t.locale} ${embedded} ${Boolean(url)} ${Boolean(email)}`, () =>
        HtmlSlots.render(names, (s) =>
          framed(
            entry,
            t,
            s.nonce as string,
            embedded,
            receivedMain(
              ws,
              t,
              { reference: s.reference as string, trackingUrl: url ? (s.url as string) : null },
              embedded,
              {
                name: s.name as string,
                ...(email ? { email: s.email as string } : {}),
              },
            ),
          ),
        ),
      );
      return made.fill({
        nonce,
        reference: result.reference,
        name: who.name,
        url: url ?? "",
        email: email ?? "",
      });
    };

    /** The form before anything is sent (a new one, or "submit another"), with the default type's fields. */
    const blankForm = async (
      req: FastifyRequest,
      reply: FastifyReply,
      entry: PortalEntry,
      values: FormValues,
    ) => {
      const { ws } = entry;
      const embedded = isEmbedded(req);
      const t = customerTranslator(ctx.config, reply, ws);
      const forms = await requestForms(ctx, ws.id);
      const as = signedInAs(entry);
      const form = (ids: FormIds) =>
        renderForm(
          ws,
          t,
          values,
          undefined,
          undefined,
          embedded,
          as,
          requestFieldsHtml(t, forms, DEFAULT_TICKET_TYPE, undefined, undefined),
          ids,
        );
      const nonce = newNonce();
      // A visitor's empty form: the whole page made once, with its nonce and one-time values to fill in.
      if (!as && !values.name && !values.email && !values.subject) {
        const blank = visitorPage(ws, `blank ${t.locale} ${embedded} ${JSON.stringify(forms)}`, () =>
          HtmlSlots.render(["nonce", "key", "visit"], (s) =>
            framed(entry, t, s.nonce, embedded, form({ key: s.key, visit: s.visit })),
          ),
        );
        return sendHtml(reply, blank.fill({ nonce, ...newFormIds() }), {
          kind: "page",
          nonce,
          status: 200,
          framing: embedFraming(ws),
        });
      }
      return page(reply, entry, nonce, embedded, 200, form(newFormIds()));
    };

    app.get<{ Params: { slug: string }; Querystring: { subject?: string } }>(
      "/:slug/submit",
      async (req, reply) => {
        const entry = await pageEntry(ctx, req, reply, req.params.slug, `/portal/${req.params.slug}/submit`);
        if (!entry) return reply;
        const subject = typeof req.query.subject === "string" ? req.query.subject.slice(0, 200) : undefined;
        return blankForm(req, reply, entry, { subject });
      },
    );

    // "Submit another" (submit.views.ts): the form again, filled in with the name and email the
    // confirmation page posted back (a post from another site is refused before it gets here).
    app.post<{ Params: { slug: string } }>("/:slug/submit/another", async (req, reply) => {
      const entry = await pageEntry(ctx, req, reply, req.params.slug, `/portal/${req.params.slug}/submit`);
      if (!entry) return reply;
      const kept = (field: string, max: number) => {
        const v = formString(req.body, field);
        return v && v.length <= max ? v : undefined;
      };
      return blankForm(req, reply, entry, { name: kept("name", 200), email: kept("email", 320) });
    });

    app.post<{ Params: { slug: string } }>("/:slug/submit", async (req, reply) => {
      const entry = await pageEntry(ctx, req, reply, req.params.slug, `/portal/${req.params.slug}/submit`);
      if (!entry) return reply;
      const { ws } = entry;
      const nonce = newNonce();
      const embedded = isEmbedded(req);
      const as = signedInAs(entry);
      const t = customerTranslator(ctx.config, reply, ws);
      const forms = await requestForms(ctx, ws.id);
      const chosenType = formString(req.body, "type") ?? DEFAULT_TICKET_TYPE;
      const extraAnswers = requestFieldsFromBody(forms, chosenType, req.body);
      // The extra fields' errors show beside them; the summary keeps the form's own.
      const submitForm = (
        ws: Workspace,
        values: FormValues,
        errors: FieldErrors | undefined,
        message: string | undefined,
        embedded: boolean,
      ) => {
        const split = splitRequestFieldErrors(errors);
        return renderForm(
          ws,
          t,
          values,
          split.own,
          message ?? (split.extra && !split.own ? t.t("submit:someAnswers") : undefined),
          embedded,
          as,
          requestFieldsHtml(t, forms, chosenType, extraAnswers, requestFieldErrors(split.extra, chosenType)),
        );
      };
      const values: FormValues = {
        name: formString(req.body, "name") ?? "",
        email: (formString(req.body, "email") ?? "").trim(),
        subject: formString(req.body, "subject") ?? "",
        description: formText(req.body, "description"),
        type: formString(req.body, "type"),
      };
      const attachments = uploadKeysFrom((req.body as Record<string, unknown> | undefined)?.attachments);
      const visit = formString(req.body, "kb_visit_id");
      const input: PortalSubmission = {
        // A signed-in customer submits as their contact: no name or email is asked or taken.
        ...(entry.customer ? {} : { name: values.name as string, email: values.email as string }),
        subject: values.subject as string,
        ...(values.description ? { description: values.description } : {}),
        ...(values.type ? { type: values.type as PortalSubmission["type"] } : {}),
        ...(attachments.length ? { attachments } : {}),
        ...(extraAnswers ? { fields: extraAnswers as NonNullable<PortalSubmission["fields"]> } : {}),
      };
      // The submit page's visit id, for the deflection rate; a malformed one is left out.
      const kbVisitId = visit && /^[A-Za-z0-9_-]{16,64}$/.test(visit) ? visit : undefined;
      const errors = validSubmission(input);
      if (errors)
        return page(reply, entry, nonce, embedded, 400, submitForm(ws, values, errors, undefined, embedded));
      if (!customerCsrfHolds(req, entry, { form: true })) {
        const message = t.t("submit:sessionChanged");
        return page(reply, entry, nonce, embedded, 403, submitForm(ws, values, undefined, message, embedded));
      }
      try {
        const key = formString(req.body, "idempotency_key");
        const { result } = await submitPortalTicket(ctx, {
          slug: ws.slug,
          input,
          customer: entry.customer,
          clientAddress: req.ip,
          idempotencyKey: key && /^[A-Za-z0-9_-]{10,100}$/.test(key) ? `form:${key}` : undefined,
          locale: readerLocale(ctx.config, req),
          ws,
          forms,
          kbVisitId,
        });
        // A signed-in customer follows the request on its page of the signed-in portal.
        if (entry.customer) return reply.redirect(`/portal/${ws.slug}/requests/${result.reference}`, 303);
        const who = { name: values.name as string, email: values.email as string };
        return sendHtml(reply, received(entry, t, embedded, result, who, nonce), {
          kind: "page",
          nonce,
          status: 200,
          framing: embedFraming(ws),
        });
      } catch (err) {
        if (err instanceof AppError && err.code === "rate_limited") {
          if (err.headers) reply.headers(err.headers);
          return page(
            reply,
            entry,
            nonce,
            embedded,
            429,
            submitForm(ws, values, undefined, customerErrorMessage(t, err), embedded),
          );
        }
        if (err instanceof AppError && err.status < 500) {
          const main = submitForm(
            ws,
            values,
            err.fields,
            err.fields ? undefined : customerErrorMessage(t, err),
            embedded,
          );
          return page(reply, entry, nonce, embedded, err.status, main);
        }
        // The database or the disk is down: the form again as typed, saying to send it again.
        const outage = unexpectedOutage(err);
        if (outage) {
          answeringOutage(req, reply, outage, err);
          const message = `${OUTAGE_MESSAGES[outage.code]} ${t.t("submit:notSent")}`;
          return page(
            reply,
            entry,
            nonce,
            embedded,
            503,
            submitForm(ws, values, undefined, message, embedded),
          );
        }
        throw err;
      }
    });
  };
