import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { type AgentRole, addAgent, listAgents, setAgentActive } from "../../agents/agent.service.ts";
import { pendingInvitations, resendAgentInvitation, sendAgentResetLink } from "../../agents/agent-reset.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, validationFailed } from "../../errors.ts";
import { type Retention, RetentionBody, updateRetention } from "../../lifecycle/retention.ts";
import { formString } from "../../web/forms.ts";
import { type DocumentLimits, updateDocumentLimits } from "../../workspaces/document-limits.ts";
import { type PortalAccessSettings, updatePortalAccess } from "../../workspaces/portal-access.ts";
import { updateEmbedding } from "../../workspaces/workspace.embedding.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { formValidator } from "../shared/validation.ts";
import { DocumentLimitsBody } from "./document-limits.routes.ts";
import { sendAppPage } from "./layout.ts";
import { PortalAccessBody } from "./portal-access.routes.ts";
import { type EmbeddingValues, NOTICES, type SettingsState, settingsMain } from "./settings.views.ts";
import { saveWidgetForm } from "./widget.pages.ts";
import { AddAgentBody, EmbeddingBody } from "./workspace.schemas.ts";

// /app/settings: sharing the portal, who can use it, documents, retention, the agents (the
// branding has its own page: branding.pages.ts).
// Its forms pass the JSON API's own body schemas before the services see them.

const checkDocumentLimits = formValidator(DocumentLimitsBody);
const checkEmbedding = formValidator(EmbeddingBody);
const checkPortalAccess = formValidator(PortalAccessBody);
const checkRetention = formValidator(RetentionBody);
// The add-agent form has always asked for a role so.
const checkNewAgent = formValidator(AddAgentBody, { role: "must be chosen" });

export const settingsPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const show = async (req: FastifyRequest, reply: FastifyReply, st: SettingsState = {}) => {
      const s = req.session as SessionInfo;
      const ws = await getWorkspace(ctx, s.actor);
      const agents = await listAgents(ctx, s.actor);
      const pending = await pendingInvitations(ctx, s.actor);
      return sendAppPage(req, reply, {
        title: "Settings",
        section: "settings",
        status: st.status ?? 200,
        main: settingsMain(ctx, req, ws, agents, s.agent.role === "admin", { pending, ...st }),
      });
    };

    app.get<{ Querystring: Record<string, string | undefined> }>("/", async (req, reply) => {
      const key = Object.keys(NOTICES).find((k) => req.query[k] === "1" || req.query.saved === k);
      return show(req, reply, key ? { notice: NOTICES[key] as string } : {});
    });

    // Any site, or the sites listed one per line (none listed: no site).
    app.post("/embedding", async (req, reply) => {
      const v: EmbeddingValues = {
        embedding: formString(req.body, "embedding") === "listed" ? "listed" : "any",
        allowedOrigins: formString(req.body, "allowedOrigins") ?? "",
      };
      const lines = v.allowedOrigins
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean);
      const allowedOrigins = v.embedding === "listed" ? lines : null;
      try {
        const errors = checkEmbedding({ allowedOrigins });
        if (errors) throw validationFailed(errors);
        await updateEmbedding(ctx, (req.session as SessionInfo).actor, allowedOrigins);
        return reply.redirect("/app/settings?saved=embedding#share", 303);
      } catch (err) {
        if (err instanceof AppError && err.status < 500 && err.status !== 403) {
          // The form has one field for the list: every entry's message goes there, by its line.
          const messages = Object.entries(err.fields ?? { allowedOrigins: err.message }).map(([f, m]) => {
            const line = /^allowedOrigins\.(\d+)$/.exec(f)?.[1];
            return line !== undefined && !m.startsWith("“") ? `line ${Number(line) + 1} ${m}` : m;
          });
          return show(req, reply, {
            embedding: v,
            embeddingErrors: { allowedOrigins: messages.join("; ") },
            status: err.status,
          });
        }
        throw err;
      }
    });

    app.post("/widget", (req, reply) => saveWidgetForm(ctx, req, reply, show));

    app.post("/portal-access", async (req, reply) => {
      const level = formString(req.body, "portalAccess");
      const patch = {
        ...(level !== undefined ? { portalAccess: level } : {}),
        showAssignee: formString(req.body, "showAssignee") === "true",
      };
      const errors = checkPortalAccess(patch);
      if (errors) return show(req, reply, { notice: "Choose who can use the portal.", status: 400 });
      await updatePortalAccess(
        ctx,
        (req.session as SessionInfo).actor,
        patch as Partial<PortalAccessSettings>,
      );
      return reply.redirect("/app/settings?saved=portal-access#portal-access", 303);
    });

    app.post("/documents", async (req, reply) => {
      const values = {
        maxFileMb: (formString(req.body, "maxFileMb") ?? "").trim(),
        companyQuotaMb: (formString(req.body, "companyQuotaMb") ?? "").trim(),
      };
      const whole = (v: string) => (/^\d{1,6}$/.test(v) ? Number(v) : v);
      const body = { maxFileMb: whole(values.maxFileMb), companyQuotaMb: whole(values.companyQuotaMb) };
      const actor = (req.session as SessionInfo).actor;
      try {
        const errors = checkDocumentLimits(body);
        if (errors) throw validationFailed(errors);
        await updateDocumentLimits(ctx, actor, await getWorkspace(ctx, actor), body as DocumentLimits);
        return reply.redirect("/app/settings?saved=documents#documents", 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 400) {
          return show(req, reply, { documents: { values, errors: err.fields ?? {} }, status: 400 });
        }
        throw err;
      }
    });

    app.post("/retention", async (req, reply) => {
      const keys = ["outboxDays", "inboundDays", "searchMissesDays", "eventsDays"] as const;
      const values = Object.fromEntries(
        keys.map((k) => [k, (formString(req.body, k) ?? "").trim()]),
      ) as Record<(typeof keys)[number], string>;
      // Blank or 0 keeps for ever (null); anything else passes the API's own schema.
      const body = Object.fromEntries(
        keys.map((k) => [
          k,
          values[k] === "" || values[k] === "0"
            ? null
            : /^\d{1,6}$/.test(values[k])
              ? Number(values[k])
              : values[k],
        ]),
      );
      try {
        const errors = checkRetention(body);
        if (errors) throw validationFailed(errors);
        await updateRetention(ctx, (req.session as SessionInfo).actor, body as Partial<Retention>);
        return reply.redirect("/app/settings?saved=retention#retention", 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 400) {
          return show(req, reply, { retention: { values, errors: err.fields ?? {} }, status: 400 });
        }
        throw err;
      }
    });

    app.post("/agents", async (req, reply) => {
      const a = {
        name: formString(req.body, "name") ?? "",
        email: (formString(req.body, "email") ?? "").trim(),
        role: formString(req.body, "role") ?? "agent",
      };
      const password = formString(req.body, "password") ?? "";
      try {
        // Without a password the agent is invited by email to choose one.
        const body = { ...a, ...(password ? { password } : {}) };
        const errors = checkNewAgent(body);
        if (errors) throw validationFailed(errors);
        await addAgent(ctx, (req.session as SessionInfo).actor, {
          ...a,
          role: a.role as AgentRole,
          password: password || undefined,
        });
        return reply.redirect(`/app/settings?saved=${password ? "agent" : "invited"}#agents`, 303);
      } catch (err) {
        if (err instanceof AppError && err.status < 500 && err.status !== 403) {
          const fields = err.fields;
          return show(req, reply, {
            agent: a,
            ...(fields ? { agentErrors: fields } : { agentMessage: err.message }),
            status: err.status,
          });
        }
        throw err;
      }
    });

    app.post<{ Params: { id: string } }>("/agents/:id/active", async (req, reply) => {
      const active = formString(req.body, "active") === "true";
      await setAgentActive(ctx, (req.session as SessionInfo).actor, req.params.id.slice(0, 64), active);
      return reply.redirect(`/app/settings?saved=${active ? "activated" : "deactivated"}#agents`, 303);
    });

    app.post<{ Params: { id: string } }>("/agents/:id/password-reset", async (req, reply) => {
      await sendAgentResetLink(ctx, (req.session as SessionInfo).actor, req.params.id.slice(0, 64));
      return reply.redirect("/app/settings?saved=reset#agents", 303);
    });

    app.post<{ Params: { id: string } }>("/agents/:id/invitation", async (req, reply) => {
      await resendAgentInvitation(ctx, (req.session as SessionInfo).actor, req.params.id.slice(0, 64));
      return reply.redirect("/app/settings?saved=reinvited#agents", 303);
    });
  };
