import type { FastifyReply } from "fastify";
import type { AppContext } from "../../context.ts";
import { isLocale } from "../../i18n/locales.ts";
import { cookieName, cookieOptions } from "../shared/cookies.ts";

// The customer's chosen language travels in portico_lang (http/shared/locale.ts reads it): set
// when they choose one on their account and each time they sign in with one chosen; cleared when
// they go back to their browser's.

const YEAR_S = 365 * 24 * 3600;

export function setLanguageCookie(ctx: AppContext, reply: FastifyReply, locale: string | null) {
  const name = cookieName(ctx.config, "portico_lang");
  if (isLocale(locale)) reply.setCookie(name, locale, cookieOptions(ctx.config, { maxAge: YEAR_S }));
  else reply.clearCookie(name, cookieOptions(ctx.config, { expires: new Date(0) }));
}
