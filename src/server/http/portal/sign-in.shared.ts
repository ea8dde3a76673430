import type { FastifyReply, FastifyRequest } from "fastify";
import type { CustomerSignedIn } from "../../auth/customer-accounts.ts";
import type { Translator } from "../../i18n/translator.ts";
import type { Html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import type { FormState } from "./sign-in.views.ts";

// What the ways in (sign-in.pages.ts, sign-in.register.pages.ts) share: the request's shape,
// where to go after signing in, the refusals' wording, and the page helpers the plugin builds.

export type R = {
  Params: { slug: string; token: string };
  Querystring: { next?: string; signedOut?: string };
};
export type SlugReq = FastifyRequest<R>;

/** Where to go after signing in: a path of this portal only. */
export function portalNext(slug: string, raw: unknown): string {
  const home = `/portal/${slug}/home`;
  if (typeof raw !== "string" || raw.length > 500) return home;
  if (!raw.startsWith(`/portal/${slug}/`) || raw.includes("\\") || raw.includes("//") || /[\s]/.test(raw)) {
    return home;
  }
  return raw;
}

/** What the ways in refuse with, by the error's code: catalogue keys, said as the page is drawn. */
export const MESSAGES: Record<string, string> = {
  invalid_credentials: "signin:refused.credentials",
  rate_limited: "signin:refused.tooMany",
  password_too_common: "signin:refused.tooCommon",
};
export const EXPIRED = "signin:refused.expired";

/** A form's message in the customer's words: a catalogue key is said; any other text stays. */
export const said = <S extends { message?: string | undefined }>(t: Translator, st: S): S =>
  st.message?.startsWith("signin:") ? { ...st, message: t.t(st.message) } : st;

/** The helpers the sign-in pages build once per plugin (sign-in.pages.ts) and share. */
export interface SignInKit {
  send: (
    req: SlugReq,
    reply: FastifyReply,
    title: string,
    main: (ws: Workspace, csrf: string, t: Translator) => Html,
    status?: number,
  ) => Promise<FastifyReply>;
  signedIn: (reply: FastifyReply, s: CustomerSignedIn, next: string) => FastifyReply;
  refusal: (reply: FastifyReply, err: unknown) => { status: number; st: Omit<FormState, "csrf"> };
  body: (req: FastifyRequest, key: string) => string;
  linkGone: (req: SlugReq, reply: FastifyReply, message?: string) => Promise<FastifyReply>;
}
