import type { WorkspaceTable } from "../db/schema.ts";

// The portal's settings as pages and emails read them, each with its default: pure, so the
// views, the emails and the services read them without importing the workspace service. The
// JSON columns are parsed leniently: a value that is not what is expected reads as the default
// (the services only ever store what they checked).

/** Every portal setting a new workspace starts with (insertWorkspace spreads it). */
export const PORTAL_DEFAULTS = {
  portal_enabled: true,
  default_locale: "en",
  secondary_color: null,
  font: null,
  custom_css: null,
  portal_nav: "{}",
  ticket_words: "{}",
  email_templates: "{}",
  custom_domain: null,
  custom_domain_token: null,
  custom_domain_verified_at: null,
  brand_images: "{}",
} satisfies Partial<WorkspaceTable>;

/** The pages the portal's navigation can show, in their order. */
export const NAV_PAGES = ["home", "requests", "kb", "submit"] as const;
export type NavPage = (typeof NAV_PAGES)[number];
export const NAV_LABEL_MAX = 40;

export interface NavItem {
  page: NavPage;
  show: boolean;
  /** The admin's label, or null for the catalogue's (in the reader's language). */
  label: string | null;
}

function parseObject(json: string | null | undefined): Record<string, unknown> {
  if (!json) return {};
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const asRecord = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const asText = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v.trim() : null);

/** The navigation in its order: each page shown unless turned off, with the admin's label if any. */
export function navOf(ws: Pick<WorkspaceTable, "portal_nav">): NavItem[] {
  const saved = parseObject(ws.portal_nav);
  return NAV_PAGES.map((page) => {
    const item = asRecord(saved[page]);
    return { page, show: item.show !== false, label: asText(item.label) };
  });
}

export const GENDERS = ["female", "male", "neuter"] as const;
export type Gender = (typeof GENDERS)[number];

export interface TicketWord {
  /** "Request" */
  one: string;
  /** "Requests" */
  other: string;
  /**
   * Its grammatical gender where the language has one (German, French): messages with words
   * that agree with it have a variant per gender (i18next's context: "nav.submit_male").
   */
  gender: Gender | null;
}

/** The admin's word for "ticket" in one language, or null for the catalogue's own. */
export function ticketWordOf(ws: Pick<WorkspaceTable, "ticket_words">, locale: string): TicketWord | null {
  const item = asRecord(parseObject(ws.ticket_words)[locale]);
  const one = asText(item.one);
  const other = asText(item.other);
  const gender = GENDERS.find((g) => g === item.gender) ?? null;
  return one && other ? { one, other, gender } : null;
}

export interface EmailWording {
  subject: string | null;
  intro: string | null;
}

/** The admin's subject and intro of one customer email in one language (null: the catalogue's). */
export function emailWordingOf(
  ws: Pick<WorkspaceTable, "email_templates">,
  kind: string,
  locale: string,
): EmailWording {
  const item = asRecord(asRecord(parseObject(ws.email_templates)[kind])[locale]);
  return { subject: asText(item.subject), intro: asText(item.intro) };
}

/** Whether customers may use the portal (SQLite stores booleans as 0 and 1). */
export const portalOpen = (ws: Pick<WorkspaceTable, "portal_enabled">) => Boolean(ws.portal_enabled);

/** The verified custom domain, or null: links and cookies use it only once it is verified. */
export const verifiedDomainOf = (ws: Pick<WorkspaceTable, "custom_domain" | "custom_domain_verified_at">) =>
  ws.custom_domain && ws.custom_domain_verified_at ? ws.custom_domain : null;
