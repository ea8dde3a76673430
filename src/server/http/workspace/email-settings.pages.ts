import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { CUSTOMER_EMAIL_KINDS, type CustomerEmailKind, isCustomerEmail } from "../../email/email.wording.ts";
import { emailSettingsOf, previewEmail, updateEmailTemplates } from "../../email/email-settings.service.ts";
import { AppError } from "../../errors.ts";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../../i18n/locales.ts";
import { formString } from "../../web/forms.ts";
import { unsafeRaw } from "../../web/html.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { sendHtml } from "../shared/html-response.ts";
import { type EmailSettingsState, emailSettingsMain } from "./email-settings.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/settings/emails: the email status, and one customer email in one language at a time
// (?kind=…&lang=…) with its wording, preview and reset. The preview's HTML is its own answer,
// framed by the page in a sandbox without scripts.

type Query = { kind?: string; lang?: string; saved?: string };

const chosen = (q: Query): { kind: CustomerEmailKind; locale: Locale } => ({
  kind: q.kind && isCustomerEmail(q.kind) ? q.kind : (CUSTOMER_EMAIL_KINDS[0] as CustomerEmailKind),
  locale: isLocale(q.lang) ? q.lang : DEFAULT_LOCALE,
});

export const emailSettingsPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const show = async (
      req: FastifyRequest<{ Querystring: Query }>,
      reply: FastifyReply,
      st: Omit<EmailSettingsState, "kind" | "locale" | "preview"> & { status?: number } = {},
    ) => {
      const s = req.session as SessionInfo;
      const ws = await getWorkspace(ctx, s.actor);
      const { kind, locale } = chosen(req.query);
      const preview = previewEmail(ctx, ws, kind, locale);
      return sendAppPage(req, reply, {
        title: "Email settings",
        section: "settings",
        status: st.status ?? 200,
        main: emailSettingsMain(req, emailSettingsOf(ctx, ws), s.agent.role === "admin", {
          ...st,
          kind,
          locale,
          preview: { subject: preview.subject, text: preview.text },
        }),
      });
    };

    app.get<{ Querystring: Query }>("/", async (req, reply) =>
      show(req, reply, req.query.saved === "1" ? { notice: "Saved. Emails queued from now on use it." } : {}),
    );

    app.get<{ Querystring: Query }>("/preview", async (req, reply) => {
      const ws = await getWorkspace(ctx, (req.session as SessionInfo).actor);
      const { kind, locale } = chosen(req.query);
      // Rendered by the email templates (every value escaped there), and sandboxed all the same.
      return sendHtml(reply, unsafeRaw(previewEmail(ctx, ws, kind, locale).html), { kind: "email" });
    });

    app.post<{ Querystring: Query }>("/", async (req, reply) => {
      const actor = (req.session as SessionInfo).actor;
      const { kind, locale } = chosen(req.query);
      const reset = formString(req.body, "action") === "reset";
      const typed = {
        subject: reset ? "" : (formString(req.body, "subject") ?? ""),
        intro: reset ? "" : (formString(req.body, "intro") ?? ""),
      };
      try {
        await updateEmailTemplates(ctx, actor, { [kind]: { [locale]: typed } });
        return reply.redirect(`/app/settings/emails?kind=${kind}&lang=${locale}&saved=1`, 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 400) {
          const prefix = `${kind}.${locale}.`;
          const errors = Object.fromEntries(
            Object.entries(err.fields ?? {}).map(([k, m]) => [
              k.startsWith(prefix) ? k.slice(prefix.length) : k,
              m,
            ]),
          );
          return show(req, reply, { errors, typed, status: 400 });
        }
        throw err;
      }
    });
  };
