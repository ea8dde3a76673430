import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import { portalAccessOf } from "../../companies/company.members.ts";
import { companyOptions } from "../../companies/company.service.ts";
import { getContact, listContacts } from "../../contacts/contact.service.ts";
import { getPortalAccess, inviteContact, setPortalAccess } from "../../contacts/portal-access.ts";
import type { AppContext } from "../../context.ts";
import type { PortalAccess } from "../../db/schema.ts";
import { AppError, type FieldErrors, validationFailed } from "../../errors.ts";
import { eraseContact } from "../../lifecycle/contact-erase.ts";
import { formString } from "../../web/forms.ts";
import { html } from "../../web/html.ts";
import { formValidator } from "../shared/validation.ts";
import { contactCompanySection } from "./companies.views.ts";
import { PORTAL_ACCESS_NOTICES, portalAccessBlock } from "./contact-access.views.ts";
import { contactMain, contactsMain } from "./contacts.views.ts";
import { sendAppPage } from "./layout.ts";
import { EraseBody } from "./lifecycle.routes.ts";
import { contactDataBlock } from "./lifecycle.views.ts";

// /app/contacts: the workspace's customers, through the same services as the JSON API.

type Query = Record<string, string | undefined>;

const checkErase = formValidator(EraseBody);

export const contactPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;

    app.get<{ Querystring: Query }>("/contacts", async (req, reply) => {
      const q = (req.query.q ?? "").slice(0, 200).trim();
      const cursor = (req.query.cursor ?? "").slice(0, 300);
      const page = await listContacts(ctx, actorOf(req), {
        ...(q ? { q } : {}),
        ...(cursor ? { cursor } : {}),
        limit: 50,
      }).catch((err) => {
        if (err instanceof AppError && err.status < 500)
          return listContacts(ctx, actorOf(req), { limit: 50 });
        throw err;
      });
      const next = page.nextCursor
        ? `/app/contacts?${new URLSearchParams({ q, cursor: page.nextCursor })}`
        : "";
      return sendAppPage(req, reply, {
        title: "Contacts",
        section: "contacts",
        main: contactsMain(q, page.items, next, (req.session as SessionInfo).agent.role === "admin"),
      });
    });

    const contactPage = async (
      req: FastifyRequest<{ Params: { id: string }; Querystring: Query }>,
      reply: FastifyReply,
      st: { errors?: FieldErrors; status?: number; dataErrors?: FieldErrors } = {},
    ) => {
      const id = req.params.id.slice(0, 64);
      const c = await getContact(ctx, actorOf(req), id);
      const [access, companies, level] = await Promise.all([
        getPortalAccess(ctx, actorOf(req), id),
        companyOptions(ctx, actorOf(req)),
        portalAccessOf(ctx, actorOf(req), id),
      ]);
      const notice = PORTAL_ACCESS_NOTICES[req.query.saved ?? ""];
      // The contact's company and their portal access: each its own block.
      const company = contactCompanySection(req, c, companies, level, {
        ...(req.query.done === "company" ? { notice: "Company set." } : {}),
      });
      const isAdmin = (req.session as SessionInfo).agent.role === "admin";
      const data = isAdmin
        ? contactDataBlock(req, c, {
            ...(st.dataErrors ? { errors: st.dataErrors } : {}),
            ...(req.query.saved === "erased" ? { notice: "Contact erased." } : {}),
          })
        : "";
      return sendAppPage(req, reply, {
        title: c.name,
        section: "contacts",
        status: st.status ?? 200,
        main: html`${contactMain(c)}${company}${c.erasedAt ? "" : portalAccessBlock(req, c.id, access, { errors: st.errors, notice })}${data}`,
      });
    };

    app.get<{ Params: { id: string }; Querystring: Query }>("/contacts/:id", (req, reply) =>
      contactPage(req, reply),
    );

    app.post<{ Params: { id: string }; Querystring: Query }>(
      "/contacts/:id/portal-access",
      async (req, reply) => {
        const access = (formString(req.body, "access") ?? "") as PortalAccess;
        try {
          await setPortalAccess(ctx, actorOf(req), req.params.id.slice(0, 64), access);
        } catch (err) {
          if (err instanceof AppError && err.status === 400)
            return contactPage(req, reply, { errors: err.fields ?? {}, status: 400 });
          throw err;
        }
        const saved = access === "none" ? "revoked" : "access";
        return reply.redirect(
          `/app/contacts/${encodeURIComponent(req.params.id)}?saved=${saved}#portal-access`,
          303,
        );
      },
    );

    // Erasure: the JSON route's body schema first, then the service (admins; the typed address confirms).
    app.post<{ Params: { id: string }; Querystring: Query }>("/contacts/:id/erase", async (req, reply) => {
      const body = { confirmEmail: (formString(req.body, "confirmEmail") ?? "").trim() };
      try {
        const errors = checkErase(body);
        if (errors) throw validationFailed(errors);
        await eraseContact(ctx, actorOf(req), req.params.id.slice(0, 64), body.confirmEmail);
      } catch (err) {
        if (err instanceof AppError && err.status === 400)
          return contactPage(req, reply, { dataErrors: err.fields ?? {}, status: 400 });
        throw err;
      }
      return reply.redirect(`/app/contacts/${encodeURIComponent(req.params.id)}?saved=erased#data`, 303);
    });

    app.post<{ Params: { id: string } }>("/contacts/:id/portal-invitation", async (req, reply) => {
      await inviteContact(ctx, actorOf(req), req.params.id.slice(0, 64));
      return reply.redirect(
        `/app/contacts/${encodeURIComponent(req.params.id)}?saved=invited#portal-access`,
        303,
      );
    });
  };
