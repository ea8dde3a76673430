import type { FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config.ts";
import { chooseLocale, isLocale, type Locale, negotiateLocale } from "../../i18n/locales.ts";
import { type Translator, translatorFor } from "../../i18n/translator.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { cookieName } from "./cookies.ts";

// The customer's language on every customer page: the one they chose (the switcher's cookie, set
// again from their account when they sign in), else their browser's (Accept-Language), else the
// workspace's default. The answer varies by both, so shared caches keep one copy per language.

export function customerTranslator(
  config: Pick<Config, "cookieSecure">,
  reply: FastifyReply,
  ws: Workspace,
  /** A signed-in customer's language from their account, when the cookie names none. */
  accountLocale?: string | null,
): Translator {
  const req = reply.request;
  reply.header("vary", "Accept-Language, Cookie");
  const cookie = req.cookies?.[cookieName(config, "portico_lang")];
  const chosen = isLocale(cookie) ? cookie : accountLocale;
  return translatorFor(chooseLocale(chosen, req.headers["accept-language"], ws.default_locale), ws);
}

/** The workspace's own language: what agents preview and what a reader with no preference gets. */
export const workspaceTranslator = (ws: Workspace): Translator =>
  translatorFor(chooseLocale(undefined, undefined, ws.default_locale), ws);

/**
 * The language the customer is reading in, when they chose one or their browser asks for one we
 * have (undefined: neither); the emails their action causes speak it unless their contact chose.
 */
export function readerLocale(config: Pick<Config, "cookieSecure">, req: FastifyRequest): Locale | undefined {
  const chosen = req.cookies?.[cookieName(config, "portico_lang")];
  return isLocale(chosen) ? chosen : (negotiateLocale(req.headers["accept-language"]) ?? undefined);
}
