import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { addDomain, removeDomain, setDomainAutoJoin } from "../../companies/company.domains.ts";
import { addContactsOnDomains, setContactCompany } from "../../companies/company.members.ts";
import {
  AddDomainBody,
  CompanyDetail,
  CompanyListQuery,
  CompanyOption,
  CompanyPage,
  CompanyPatch,
  CreateCompanyBody,
  DomainPatch,
  SetContactCompanyBody,
} from "../../companies/company.schemas.ts";
import {
  createCompany,
  deleteCompany,
  getCompany,
  listCompanies,
  updateCompany,
} from "../../companies/company.service.ts";
import type { AppContext } from "../../context.ts";
import { Key, Nullable } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Companies (the customer organisations) for agents; domains for admins. Under the agents' gate
// with the rest of the workspace API (registered by workspace.routes.ts).

const security = [{ session: [], csrf: [] }];
const tags = ["companies"];
const Id = Type.Object({ id: Key(64) });
const IdDomain = Type.Object({ id: Key(64), domain: Type.String({ maxLength: 253 }) });

export const workspaceCompanyRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/companies",
      {
        schema: {
          tags,
          summary: "Companies, by name",
          description:
            "q matches part of a name or of a domain. Pages by cursor: pass nextCursor back with the same q.",
          security,
          querystring: CompanyListQuery,
          response: { 200: CompanyPage, ...errors(400, 401) },
        },
      },
      async (req) => listCompanies(ctx, sessionOf(req).actor, req.query),
    );

    app.post(
      "/companies",
      {
        schema: {
          tags,
          summary: "Add a company",
          security,
          body: CreateCompanyBody,
          response: { 201: CompanyDetail, ...errors(400, 401, 403) },
        },
      },
      async (req, reply) => reply.status(201).send(await createCompany(ctx, sessionOf(req).actor, req.body)),
    );

    app.get(
      "/companies/:id",
      {
        schema: {
          tags,
          summary: "A company with its domains, contacts, tickets and activity",
          description: "notes are internal: agents only.",
          security,
          params: Id,
          response: { 200: CompanyDetail, ...errors(401, 404) },
        },
      },
      async (req) => getCompany(ctx, sessionOf(req).actor, req.params.id),
    );

    app.patch(
      "/companies/:id",
      {
        schema: {
          tags,
          summary: "Change a company's name, internal notes or properties",
          description: "properties replaces the whole set.",
          security,
          params: Id,
          body: CompanyPatch,
          response: { 200: CompanyDetail, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => updateCompany(ctx, sessionOf(req).actor, req.params.id, req.body),
    );

    app.delete(
      "/companies/:id",
      {
        schema: {
          tags,
          summary: "Delete a company (admins)",
          description: "Its contacts and tickets stay, without a company; its domains are removed.",
          security,
          params: Id,
          response: { 204: Type.Null(), ...errors(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await deleteCompany(ctx, sessionOf(req).actor, req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/companies/:id/domains",
      {
        schema: {
          tags,
          summary: "Add an email domain (admins)",
          description:
            "A domain belongs to one company per workspace (409 domain_taken). With autoJoin, a new contact whose verified email is on it joins the company; it defaults to false.",
          security,
          params: Id,
          body: AddDomainBody,
          response: { 201: CompanyDetail, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await addDomain(ctx, sessionOf(req).actor, req.params.id, req.body)),
    );

    app.patch(
      "/companies/:id/domains/:domain",
      {
        schema: {
          tags,
          summary: "Whether a domain joins new contacts automatically (admins)",
          security,
          params: IdDomain,
          body: DomainPatch,
          response: { 200: CompanyDetail, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) =>
        setDomainAutoJoin(ctx, sessionOf(req).actor, req.params.id, req.params.domain, req.body.autoJoin),
    );

    app.delete(
      "/companies/:id/domains/:domain",
      {
        schema: {
          tags,
          summary: "Remove an email domain (admins)",
          description: "Contacts who joined by it stay in the company.",
          security,
          params: IdDomain,
          response: { 200: CompanyDetail, ...errors(401, 403, 404) },
        },
      },
      async (req) => removeDomain(ctx, sessionOf(req).actor, req.params.id, req.params.domain),
    );

    app.post(
      "/companies/:id/domain-contacts",
      {
        schema: {
          tags,
          summary: "Add the contacts on the company's domains who have no company",
          description: "Contacts of another company stay there. Answers how many joined.",
          security,
          params: Id,
          response: { 200: Type.Object({ added: Type.Integer() }), ...errors(401, 403, 404) },
        },
      },
      async (req) => ({ added: await addContactsOnDomains(ctx, sessionOf(req).actor, req.params.id) }),
    );

    app.put(
      "/contacts/:id/company",
      {
        schema: {
          tags: ["contacts"],
          summary: "Set a contact's company, or none",
          description:
            "The contact's tickets keep the company they were opened for; new tickets take this one.",
          security,
          params: Id,
          body: SetContactCompanyBody,
          response: {
            200: Type.Object({ contactId: Type.String(), company: Nullable(CompanyOption) }),
            ...errors(400, 401, 403, 404),
          },
        },
      },
      async (req) => setContactCompany(ctx, sessionOf(req).actor, req.params.id, req.body.companyId),
    );
  };
