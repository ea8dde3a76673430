import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { validationFailed } from "../../errors.ts";
import { LOCALES } from "../../i18n/locales.ts";
import { StrictObject } from "../../lib/schema.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { cookieName, cookieOptions } from "../shared/cookies.ts";
import { plainNotFound } from "../shared/customer.layout.ts";
import { newNonce } from "../shared/html-response.ts";
import { pageTree } from "../shared/page-tree.ts";
import { formValidator } from "../shared/validation.ts";

// POST /portal/{slug}/language: the footer's language switcher (customer.layout.ts). A plain form,
// so it works without JavaScript: it keeps the choice in the portico_lang cookie for a year (read
// by http/shared/locale.ts on every customer page) and sends the reader back to the page they
// were on, which must be one of this portal's own pages.

export const LanguageBody = StrictObject({
  lang: Type.Union(
    LOCALES.map((l) => Type.Literal(l)),
    { description: "The language chosen" },
  ),
  back: Type.String({ maxLength: 2000, description: "The portal page to return to" }),
});

const YEAR_SECONDS = 365 * 24 * 3600;
const validLanguage = formValidator(LanguageBody);

/** A page of this portal to go back to: /portal/{slug} or below it, nothing that leaves the site. */
export function safeBack(slug: string, back: string): string | null {
  const base = `/portal/${slug}`;
  if (back !== base && !back.startsWith(`${base}/`) && !back.startsWith(`${base}?`)) return null;
  // No second slash or backslash that a browser could read as another host; an address as a
  // browser sends it (percent-encoded), so nothing but printable ASCII without spaces.
  if (/\/\/|\\|[^!-~]/.test(back)) return null;
  return back;
}

export const languagePages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 4 * 1024 });

    app.post<{ Params: { slug: string } }>("/:slug/language", async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const input = { lang: body.lang, back: body.back ?? `/portal/${req.params.slug}/submit` };
      const errors = validLanguage(input);
      if (errors) throw validationFailed(errors);
      const ws = await findWorkspaceBySlug(ctx, req.params.slug);
      if (!ws) return plainNotFound(reply, newNonce());
      const back = safeBack(ws.slug, input.back as string);
      if (!back) throw validationFailed({ back: "must be a page of this portal" });
      reply.setCookie(
        cookieName(ctx.config, "portico_lang"),
        input.lang as string,
        cookieOptions(ctx.config, { maxAge: YEAR_SECONDS }),
      );
      reply.header("cache-control", "no-store");
      return reply.redirect(back, 303);
    });
  };
