import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../../context.ts";
import { translatorFor } from "../../i18n/translator.ts";
import { pageShown } from "../../workspaces/portal-basics.ts";
import { portalUrl } from "../../workspaces/portal-url.ts";
import { widgetSettingsOf } from "../../workspaces/widget-settings.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { customerCsrfValue, portalEntry, signInPath } from "../portal/portal-entry.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerTranslator } from "../shared/locale.ts";
import { pageTree } from "../shared/page-tree.ts";
import { embedFraming } from "./embed-framing.ts";
import { type WidgetTheme, widgetPanel, widgetUnavailable } from "./widget.views.ts";

// /portal/{slug}/widget: the floating widget's panel, the iframe the loader (widget.routes.ts)
// opens on a customer's site. Framed like the submit form (the iframe embed): by any site, or
// only by the sites listed in Settings → Share. Its script and styles are our own assets
// (script-src 'self'); what it does goes through the public JSON API from this origin.

const themeOf = (v: unknown): WidgetTheme | undefined => (v === "dark" || v === "light" ? v : undefined);

export const widgetPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 1024 });
    app.get<{ Params: { slug: string }; Querystring: { theme?: string } }>(
      "/:slug/widget",
      async (req, reply) => {
        const theme = themeOf(req.query.theme);
        const nonce = newNonce();
        const entry = await portalEntry(ctx, req, req.params.slug);
        const workspace =
          entry === "sign_in"
            ? await findWorkspaceBySlug(ctx, req.params.slug)
            : typeof entry === "object"
              ? entry.ws
              : undefined;
        if (
          !workspace ||
          entry === "no_portal" ||
          entry === "closed" ||
          !widgetSettingsOf(workspace).enabled
        ) {
          return sendHtml(
            reply,
            widgetUnavailable(
              workspace ? customerTranslator(ctx.config, reply, workspace) : translatorFor("en"),
              nonce,
              theme,
            ),
            // Shown where the panel would have been (the widget turned off while a site kept the loader).
            { kind: "page", nonce, status: 404, framing: workspace ? embedFraming(workspace) : "never" },
          );
        }
        const signIn = entry === "sign_in";
        const customer =
          !signIn && entry.customer
            ? { name: entry.customer.contact.name, csrf: customerCsrfValue(entry) as string }
            : null;
        return sendHtml(
          reply,
          widgetPanel({
            ws: workspace,
            t: customerTranslator(ctx.config, reply, workspace),
            config: ctx.config,
            nonce,
            theme,
            customer,
            signInUrl: signIn
              ? portalUrl(
                  ctx.config,
                  workspace,
                  signInPath(workspace.slug, `/portal/${workspace.slug}/submit`),
                )
              : null,
            kb: !signIn && pageShown(workspace, "kb"),
          }),
          { kind: "page", nonce, framing: embedFraming(workspace) },
        );
      },
    );
  };
