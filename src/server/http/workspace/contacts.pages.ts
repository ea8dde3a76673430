import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import { portalAccessOf } from "../../companies/company.members.ts";
import { companyOptions } from "../../companies/company.service.ts";
import { getContact, listContacts } from "../../contacts/contact.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { html } from "../../web/html.ts";
import { contactCompanySection } from "./companies.views.ts";
import { contactMain, contactsMain } from "./contacts.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/contacts: the workspace's customers, through the same services as the JSON API.

type Query = Record<string, string | undefined>;

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

    app.get<{ Params: { id: string }; Querystring: Query }>("/contacts/:id", async (req, reply) => {
      const c = await getContact(ctx, actorOf(req), req.params.id.slice(0, 64));
      // The contact's company: its own block (companies.views.ts).
      const [companies, access] = await Promise.all([
        companyOptions(ctx, actorOf(req)),
        portalAccessOf(ctx, actorOf(req), c.id),
      ]);
      const company = contactCompanySection(req, c, companies, access, {
        ...(req.query.done === "company" ? { notice: "Company set." } : {}),
      });
      return sendAppPage(req, reply, {
        title: c.name,
        section: "contacts",
        main: html`${contactMain(c)}${company}`,
      });
    });
  };
