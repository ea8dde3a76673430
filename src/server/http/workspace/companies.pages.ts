import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import { addDomain, removeDomain, setDomainAutoJoin } from "../../companies/company.domains.ts";
import { addContactsOnDomains, portalAccessOf, setContactCompany } from "../../companies/company.members.ts";
import {
  AddDomainBody,
  CompanyPatch,
  CreateCompanyBody,
  SetContactCompanyBody,
} from "../../companies/company.schemas.ts";
import {
  companyOptions,
  createCompany,
  deleteCompany,
  getCompany,
  listCompanies,
  updateCompany,
} from "../../companies/company.service.ts";
import { getContact } from "../../contacts/contact.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, validationFailed } from "../../errors.ts";
import { propertyHistory } from "../../forms/properties.ts";
import { formString, formText } from "../../web/forms.ts";
import { html } from "../../web/html.ts";
import { formValidator } from "../shared/validation.ts";
import {
  type CompanyFormState,
  type CompanyPageState,
  companiesMain,
  companyMain,
  contactCompanySection,
} from "./companies.views.ts";
import { contactMain } from "./contacts.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/companies, and a contact's company on /app/contacts/:id: through the same services as the
// JSON API, the forms checked by its body schemas.

type Query = Record<string, string | undefined>;

const checkCreate = formValidator(CreateCompanyBody);
const checkPatch = formValidator(CompanyPatch);
const checkDomain = formValidator(AddDomainBody);
const checkContactCompany = formValidator(SetContactCompanyBody);

function check(validate: (data: unknown) => Record<string, string> | null, body: object) {
  const errors = validate(body);
  if (errors) throw validationFailed(errors);
}

/** A refusal the person can fix (a 4xx but a 404 or 403) shown on the form; anything else thrown on. */
const fixable = (err: unknown): err is AppError =>
  err instanceof AppError && err.status < 500 && err.status !== 404 && err.status !== 403;

const stateOf = (err: AppError, values: Record<string, string>): CompanyFormState => ({
  ...(err.fields ? { errors: err.fields } : { message: err.message }),
  values,
});

const NOTICES: Record<string, string> = {
  created: "Company added.",
  saved: "Details saved.",
  domain: "Domain added.",
  "domain-saved": "Domain saved.",
  "domain-removed": "Domain removed. Contacts who joined by it stay in the company.",
  joined: "The contacts on the company's domains were added.",
  deleted: "Company deleted. Its contacts and tickets stay, without a company.",
  company: "Company set.",
};

export const companyPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;
    const isAdmin = (req: FastifyRequest) => (req.session as SessionInfo).agent.role === "admin";

    const showList = async (
      req: FastifyRequest<{ Querystring: Query }>,
      reply: FastifyReply,
      st: CompanyFormState & { status?: number } = {},
    ) => {
      const q = (req.query.q ?? "").slice(0, 200).trim();
      const cursor = (req.query.cursor ?? "").slice(0, 500);
      const page = await listCompanies(ctx, actorOf(req), {
        ...(q ? { q } : {}),
        ...(cursor ? { cursor } : {}),
        limit: 50,
      }).catch((err) => {
        if (err instanceof AppError && err.status < 500)
          return listCompanies(ctx, actorOf(req), { limit: 50 });
        throw err;
      });
      const next = page.nextCursor
        ? `/app/companies?${new URLSearchParams({ q, cursor: page.nextCursor })}`
        : "";
      return sendAppPage(req, reply, {
        title: "Companies",
        section: "companies",
        status: st.status ?? 200,
        main: companiesMain(req, q, page.items, next, st),
      });
    };

    app.get<{ Querystring: Query }>("/companies", async (req, reply) => {
      const done = req.query.done;
      return showList(req, reply, done && NOTICES[done] ? { notice: NOTICES[done] } : {});
    });

    app.post<{ Querystring: Query }>("/companies", async (req, reply) => {
      const values = { name: formString(req.body, "name") ?? "", notes: formText(req.body, "notes") };
      try {
        const body = { name: values.name.trim(), notes: values.notes };
        check(checkCreate, body);
        const c = await createCompany(ctx, actorOf(req), body);
        return reply.redirect(`/app/companies/${c.id}?done=created`, 303);
      } catch (err) {
        if (fixable(err)) return showList(req, reply, { ...stateOf(err, values), status: err.status });
        throw err;
      }
    });

    const showCompany = async (
      req: FastifyRequest<{ Params: { id: string } }>,
      reply: FastifyReply,
      st: CompanyPageState & { status?: number } = {},
    ) => {
      const c = await getCompany(ctx, actorOf(req), req.params.id.slice(0, 64));
      const history = await propertyHistory(ctx, actorOf(req), c.id);
      return sendAppPage(req, reply, {
        title: c.name,
        section: "companies",
        status: st.status ?? 200,
        main: companyMain(req, c, isAdmin(req), { ...st, propertyHistory: history }),
      });
    };

    app.get<{ Params: { id: string }; Querystring: Query }>("/companies/:id", async (req, reply) => {
      const done = req.query.done;
      return showCompany(req, reply, done && NOTICES[done] ? { notice: NOTICES[done] } : {});
    });

    app.post<{ Params: { id: string } }>("/companies/:id", async (req, reply) => {
      const values = { name: formString(req.body, "name") ?? "", notes: formText(req.body, "notes") };
      try {
        const patch = { name: values.name.trim(), notes: values.notes };
        check(checkPatch, patch);
        await updateCompany(ctx, actorOf(req), req.params.id.slice(0, 64), patch);
        return reply.redirect(`/app/companies/${req.params.id}?done=saved`, 303);
      } catch (err) {
        if (fixable(err))
          return showCompany(req, reply, { details: stateOf(err, values), status: err.status });
        throw err;
      }
    });

    app.post<{ Params: { id: string } }>("/companies/:id/domains", async (req, reply) => {
      const values = {
        domain: (formString(req.body, "domain") ?? "").trim(),
        autoJoin: formString(req.body, "autoJoin") ? "1" : "",
      };
      try {
        const body = { domain: values.domain, autoJoin: values.autoJoin === "1" };
        check(checkDomain, body);
        await addDomain(ctx, actorOf(req), req.params.id.slice(0, 64), body);
        return reply.redirect(`/app/companies/${req.params.id}?done=domain#domains`, 303);
      } catch (err) {
        if (fixable(err))
          return showCompany(req, reply, { domains: stateOf(err, values), status: err.status });
        throw err;
      }
    });

    app.post<{ Params: { id: string; domain: string } }>(
      "/companies/:id/domains/:domain",
      async (req, reply) => {
        const autoJoin = Boolean(formString(req.body, "autoJoin"));
        await setDomainAutoJoin(
          ctx,
          actorOf(req),
          req.params.id.slice(0, 64),
          req.params.domain.slice(0, 253),
          autoJoin,
        );
        return reply.redirect(`/app/companies/${req.params.id}?done=domain-saved#domains`, 303);
      },
    );

    app.post<{ Params: { id: string; domain: string } }>(
      "/companies/:id/domains/:domain/remove",
      async (req, reply) => {
        await removeDomain(ctx, actorOf(req), req.params.id.slice(0, 64), req.params.domain.slice(0, 253));
        return reply.redirect(`/app/companies/${req.params.id}?done=domain-removed#domains`, 303);
      },
    );

    app.post<{ Params: { id: string } }>("/companies/:id/domain-contacts", async (req, reply) => {
      await addContactsOnDomains(ctx, actorOf(req), req.params.id.slice(0, 64));
      return reply.redirect(`/app/companies/${req.params.id}?done=joined#contacts`, 303);
    });

    app.post<{ Params: { id: string } }>("/companies/:id/delete", async (req, reply) => {
      await deleteCompany(ctx, actorOf(req), req.params.id.slice(0, 64));
      return reply.redirect("/app/companies?done=deleted", 303);
    });

    // A contact's company, set on the contact's page.
    app.post<{ Params: { id: string } }>("/contacts/:id/company", async (req, reply) => {
      const id = req.params.id.slice(0, 64);
      const raw = formString(req.body, "companyId") ?? "";
      try {
        const body = { companyId: raw || null };
        check(checkContactCompany, body);
        await setContactCompany(ctx, actorOf(req), id, body.companyId);
        return reply.redirect(`/app/contacts/${id}?done=company#company`, 303);
      } catch (err) {
        if (!fixable(err)) throw err;
        const actor = actorOf(req);
        const [c, options, access] = await Promise.all([
          getContact(ctx, actor, id),
          companyOptions(ctx, actor),
          portalAccessOf(ctx, actor, id),
        ]);
        return sendAppPage(req, reply, {
          title: c.name,
          section: "contacts",
          status: err.status,
          main: html`${contactMain(c)}${contactCompanySection(req, c, options, access, stateOf(err, {}))}`,
        });
      }
    });
  };
