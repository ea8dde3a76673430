import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { LOCALES } from "../../i18n/locales.ts";
import { formString } from "../../web/forms.ts";
import {
  type PortalBasicsPatch,
  portalBasicsOf,
  portalBasicsProblems,
  portalSettingsSet,
  updatePortalBasics,
} from "../../workspaces/portal-basics.ts";
import { NAV_PAGES } from "../../workspaces/portal-settings.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { workspaceTranslator } from "../shared/locale.ts";
import { formValidator } from "../shared/validation.ts";
import { sendAppPage } from "./layout.ts";
import { isPreviewPage, previewPage } from "./portal-preview.ts";
import { PortalSettingsBody } from "./portal-settings.routes.ts";
import {
  type PortalFormValues,
  type PortalSettingsState,
  type PreviewChoice,
  portalSettingsMain,
} from "./portal-settings.views.ts";

// /app/settings/portal: the form passes the JSON API's own body schema, then the service's own
// checks, and shows every problem at once; /app/settings/portal/preview renders one page of the
// portal with the form's values (query parameters, as the form names them), framed by this page.

const check = formValidator(PortalSettingsBody);

/** The form (a POST body or the preview's query) as typed. */
function valuesOf(form: unknown): PortalFormValues {
  const text = (k: string) => (formString(form, k) ?? "").trim();
  return {
    portalEnabled: formString(form, "portalEnabled") === "true",
    defaultLocale: text("defaultLocale"),
    timeZone: text("timeZone"),
    nav: Object.fromEntries(
      NAV_PAGES.map((p) => [
        p,
        { show: formString(form, `nav.${p}.show`) === "true", label: text(`nav.${p}.label`) },
      ]),
    ) as PortalFormValues["nav"],
    words: Object.fromEntries(
      LOCALES.map((l) => [
        l,
        {
          one: text(`ticketWords.${l}.one`),
          other: text(`ticketWords.${l}.other`),
          gender: text(`ticketWords.${l}.gender`),
        },
      ]),
    ) as PortalFormValues["words"],
  };
}

/** The API's body from the form: a blank label is the catalogue's, a blank language its usual word. */
function bodyOf(v: PortalFormValues): Record<string, unknown> {
  return {
    portalEnabled: v.portalEnabled,
    defaultLocale: v.defaultLocale,
    timeZone: v.timeZone,
    nav: Object.fromEntries(
      NAV_PAGES.map((p) => [p, { show: v.nav[p].show, label: v.nav[p].label || null }]),
    ),
    ticketWords: Object.fromEntries(
      LOCALES.map((l) => {
        const w = v.words[l];
        if (!w.one && !w.other && !w.gender) return [l, null];
        return [l, { one: w.one, other: w.other, ...(l === "en" ? {} : { gender: w.gender || null }) }];
      }),
    ),
  };
}

/** Every problem of the form at once: the schema's, then the service's own checks. */
function problemsOf(body: Record<string, unknown>): FieldErrors | null {
  const errors: FieldErrors = { ...(check(body) ?? {}), ...portalBasicsProblems(body as PortalBasicsPatch) };
  // A word refused as a whole ("ticketWords.fr is not valid") is said better by its parts.
  for (const field of Object.keys(errors)) {
    if (Object.keys(errors).some((f) => f.startsWith(`${field}.`))) delete errors[field];
  }
  return Object.keys(errors).length ? errors : null;
}

/** The draft for the preview: the form's values where they pass, the saved ones elsewhere. */
function draftOf(ws: Workspace, body: Record<string, unknown>): Workspace {
  const errors = problemsOf(body) ?? {};
  const bad = new Set(Object.keys(errors).map((f) => f.split(".")[0]));
  const patch = Object.fromEntries(Object.entries(body).filter(([k]) => !bad.has(k))) as PortalBasicsPatch;
  return { ...ws, ...portalSettingsSet(ws, patch) };
}

const choiceOf = (q: Record<string, string | undefined>): PreviewChoice => ({
  width: q.width === "desktop" ? "desktop" : "phone",
  scheme: q.scheme === "dark" ? "dark" : "light",
});

export const portalSettingsPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const show = async (
      req: FastifyRequest<{ Querystring: Record<string, string | undefined> }>,
      reply: FastifyReply,
      st: PortalSettingsState & { status?: number } = {},
    ) => {
      const s = req.session as SessionInfo;
      const ws = await getWorkspace(ctx, s.actor);
      return sendAppPage(req, reply, {
        title: "Portal settings",
        section: "settings",
        status: st.status ?? 200,
        main: portalSettingsMain(
          req,
          portalBasicsOf(ws),
          s.agent.role === "admin",
          choiceOf(req.query ?? {}),
          st,
        ),
      });
    };

    app.get<{ Querystring: Record<string, string | undefined> }>("/", (req, reply) =>
      show(req, reply, req.query.saved ? { notice: "Portal settings saved. Customers see them now." } : {}),
    );

    app.post<{ Querystring: Record<string, string | undefined> }>("/", async (req, reply) => {
      const values = valuesOf(req.body);
      const body = bodyOf(values);
      const errors = problemsOf(body);
      if (errors) return show(req, reply, { values, errors, status: 400 });
      const actor = (req.session as SessionInfo).actor;
      try {
        await updatePortalBasics(ctx, actor, await getWorkspace(ctx, actor), body as PortalBasicsPatch);
      } catch (err) {
        if (err instanceof AppError && err.status === 400) {
          return show(req, reply, { values, errors: err.fields ?? {}, status: 400 });
        }
        throw err;
      }
      return reply.redirect("/app/settings/portal?saved=1", 303);
    });

    // One page of the portal, with the form's unsaved values when `draft=1`, else what is saved.
    app.get<{ Querystring: Record<string, string | undefined> }>("/preview", async (req, reply) => {
      const ws = await getWorkspace(ctx, (req.session as SessionInfo).actor);
      const q = req.query;
      const draft = q.draft === "1" ? draftOf(ws, bodyOf(valuesOf(q))) : ws;
      const page = isPreviewPage(q.page) ? q.page : "home";
      const nonce = newNonce();
      reply.header("cache-control", "no-store");
      return sendHtml(
        reply,
        previewPage(draft, workspaceTranslator(draft), page, q.scheme === "dark" ? "dark" : "light", nonce),
        { kind: "page", nonce, framing: "self" },
      );
    });
  };
