import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { WorkspaceTable } from "../db/schema.ts";
import { type FieldErrors, forbidden, validationFailed } from "../errors.ts";
import { LOCALES, type Locale } from "../i18n/locales.ts";
import { isTimeZone } from "../i18n/time-zones.ts";
import {
  type Gender,
  NAV_PAGES,
  type NavPage,
  navOf,
  portalOpen,
  type TicketWord,
  ticketWordOf,
} from "./portal-settings.ts";
import type { Workspace } from "./workspace.branding.ts";
import { updateWorkspaceAudited } from "./workspace.service.ts";

// Settings → Portal: the portal on or off, its default language and the workspace's time zone,
// the navigation (each page shown or hidden, with the admin's label), and the word for "ticket" in
// each language. Pages and emails read them from the row on every request (portal-settings.ts),
// so a change holds at once. A hidden page leaves the navigation; only the help articles also
// stop answering customers (404), since the other pages are reached from emails and links.

export const TICKET_WORD_MAX = 40;

/** The suggestions the settings page offers for the word for "ticket", per language. */
export const TICKET_WORD_PRESETS: Record<Locale, TicketWord[]> = {
  en: [
    { one: "Request", other: "Requests", gender: null },
    { one: "Ticket", other: "Tickets", gender: null },
    { one: "Incident", other: "Incidents", gender: null },
    { one: "Case", other: "Cases", gender: null },
    { one: "Inquiry", other: "Inquiries", gender: null },
  ],
  de: [
    { one: "Anfrage", other: "Anfragen", gender: "female" },
    { one: "Ticket", other: "Tickets", gender: "neuter" },
    { one: "Vorgang", other: "Vorgänge", gender: "male" },
    { one: "Fall", other: "Fälle", gender: "male" },
  ],
  fr: [
    { one: "Demande", other: "Demandes", gender: "female" },
    { one: "Ticket", other: "Tickets", gender: "male" },
    { one: "Incident", other: "Incidents", gender: "male" },
    { one: "Dossier", other: "Dossiers", gender: "male" },
  ],
};

/** Languages whose words agree with the noun's gender: their word needs one. */
const GENDERED: readonly Locale[] = ["de", "fr"];

export interface NavSetting {
  show: boolean;
  label: string | null;
}

export interface PortalBasics {
  portalEnabled: boolean;
  defaultLocale: Locale;
  timeZone: string;
  nav: Record<NavPage, NavSetting>;
  /** The admin's word per language; null: the catalogue's own. */
  ticketWords: Record<Locale, TicketWord | null>;
}

export interface PortalBasicsPatch {
  portalEnabled?: boolean;
  defaultLocale?: Locale;
  timeZone?: string;
  nav?: Partial<Record<NavPage, { show: boolean; label?: string | null }>>;
  ticketWords?: Partial<Record<Locale, { one: string; other: string; gender?: Gender | null } | null>>;
}

export function portalBasicsOf(ws: Workspace): PortalBasics {
  const nav = Object.fromEntries(navOf(ws).map((i) => [i.page, { show: i.show, label: i.label }])) as Record<
    NavPage,
    NavSetting
  >;
  const ticketWords = Object.fromEntries(LOCALES.map((l) => [l, ticketWordOf(ws, l)])) as Record<
    Locale,
    TicketWord | null
  >;
  return {
    portalEnabled: portalOpen(ws),
    defaultLocale: (LOCALES as readonly string[]).includes(ws.default_locale)
      ? (ws.default_locale as Locale)
      : "en",
    timeZone: ws.time_zone,
    nav,
    ticketWords,
  };
}

/** Whether a page of the navigation is shown (a hidden KB does not answer customers). */
export const pageShown = (ws: Pick<WorkspaceTable, "portal_nav">, page: NavPage) =>
  navOf(ws).find((i) => i.page === page)?.show !== false;

/** What the schema cannot say: a known time zone, a gender for the German and French words. */
export function portalBasicsProblems(patch: PortalBasicsPatch): FieldErrors {
  const fields: FieldErrors = {};
  if (patch.timeZone !== undefined && !isTimeZone(patch.timeZone)) {
    fields.timeZone = "must be an IANA time zone, e.g. Europe/Berlin";
  }
  for (const locale of GENDERED) {
    const word = patch.ticketWords?.[locale];
    if (word && !word.gender) {
      fields[`ticketWords.${locale}.gender`] = "must be chosen";
    }
  }
  return fields;
}

/** The columns a (checked) patch changes, merged with what is saved: pure, for the preview too. */
export function portalSettingsSet(ws: Workspace, patch: PortalBasicsPatch): Partial<WorkspaceTable> {
  const set: Partial<WorkspaceTable> = {};
  if (patch.portalEnabled !== undefined) set.portal_enabled = patch.portalEnabled;
  if (patch.defaultLocale !== undefined) set.default_locale = patch.defaultLocale;
  if (patch.timeZone !== undefined) set.time_zone = patch.timeZone;
  if (patch.nav) {
    const saved = portalBasicsOf(ws).nav;
    const next: Partial<Record<NavPage, { show?: false; label?: string }>> = {};
    for (const page of NAV_PAGES) {
      const given = patch.nav[page];
      const show = given ? given.show : saved[page].show;
      const label = given ? given.label?.trim() || null : saved[page].label;
      if (!show || label) next[page] = { ...(show ? {} : { show: false }), ...(label ? { label } : {}) };
    }
    set.portal_nav = JSON.stringify(next);
  }
  if (patch.ticketWords) {
    const saved = portalBasicsOf(ws).ticketWords;
    const next: Partial<Record<Locale, TicketWord>> = {};
    for (const locale of LOCALES) {
      const given = patch.ticketWords[locale];
      const word =
        given === undefined
          ? saved[locale]
          : given && {
              one: given.one.trim(),
              other: given.other.trim(),
              gender: GENDERED.includes(locale) ? (given.gender ?? null) : null,
            };
      if (word) next[locale] = word;
    }
    set.ticket_words = JSON.stringify(next);
  }
  return set;
}

/** Admins only. Every problem at once, by its field. */
export async function updatePortalBasics(
  ctx: AppContext,
  actor: AgentActor,
  ws: Workspace,
  patch: PortalBasicsPatch,
): Promise<Workspace> {
  if (actor.role !== "admin") throw forbidden("Only admins change the portal's settings.");
  const fields = portalBasicsProblems(patch);
  if (Object.keys(fields).length) throw validationFailed(fields);
  const set = portalSettingsSet(ws, patch);
  if (Object.keys(set).length === 0) return ws;
  return updateWorkspaceAudited(ctx, actor, set, () => ({
    action: "settings.portal",
    summary: `Portal settings changed: ${Object.keys(patch).join(", ")}`,
    details: patch as Record<string, unknown>,
  }));
}
