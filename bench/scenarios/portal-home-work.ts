import { expectStatus, request } from "../lib/http.ts";
import { measure } from "../lib/load.ts";
import { SLUG } from "../lib/seed.ts";
import type { BusyCompany } from "../lib/seed-work.ts";
import type { Stage } from "../lib/stage.ts";

// The portal home with its five sections full (issue 16): the busy company's manager (500
// requests, a plan of 50 tasks, forms, 200 documents, 100 timeline events; seed-work.ts) reads
// the home as JSON and as the HTML page.

export const WORK_PATHS = {
  work_home: `/api/portal/${SLUG}/home`,
  work_home_page: `/portal/${SLUG}/home`,
};

/** The JSON home's target, as a share of the bare server's requests/s (SQLite). */
export const WORK_HOME_TARGET = 0.2;

const cookieOf = (token: string) => `portico_customer=${token}`;

interface HomeAnswer {
  open: unknown[];
  activity: unknown[];
  onboarding: { plan: unknown; next: unknown[]; dueFromYou: unknown[] };
  formsDue: unknown[];
  documents: { latest: unknown[]; newCount: number };
}

/**
 * Before measuring: the manager's home answers, with their company's open requests; says how full
 * each section is, so a run made while a section was still empty says so.
 */
export async function checkWorkHome(base: string, busy: BusyCompany): Promise<void> {
  const headers = { cookie: cookieOf(busy.manager) };
  const home = await expectStatus("busy home", request(base, "GET", WORK_PATHS.work_home, { headers }), 200);
  const h = home.json as HomeAnswer;
  if (h.open.length === 0)
    throw new Error(`${WORK_PATHS.work_home}: the busy company's manager sees no open request`);
  const page = await expectStatus(
    "busy home page",
    request(base, "GET", WORK_PATHS.work_home_page, { headers }),
    200,
  );
  if (!page.text.includes("<main")) throw new Error(`${WORK_PATHS.work_home_page}: not a page`);
  const sections = [
    `${h.open.length} open requests`,
    `onboarding ${h.onboarding.plan ? "with its plan" : "empty"} (${h.onboarding.next.length} next, ${h.onboarding.dueFromYou.length} due from you)`,
    `${h.formsDue.length} forms due`,
    `${h.documents.latest.length} documents (${h.documents.newCount} new)`,
    `${h.activity.length} activity rows`,
  ];
  console.log(
    `  the busy company's home: ${sections.join(", ")}; JSON ${home.text.length} bytes, page ${page.text.length} bytes`,
  );
}

export async function measureWorkHome(stage: Stage, busy: BusyCompany): Promise<void> {
  const { base, settings } = stage;
  const headers = { cookie: cookieOf(busy.manager) };
  const rows: [keyof typeof WORK_PATHS, string][] = [
    ["work_home", "portal home, five sections (busy company)"],
    ["work_home_page", "portal home, five sections, HTML page"],
  ];
  for (const [key, label] of rows) {
    await measure(stage.rec, settings, stage.pid, key, label, {
      url: base + WORK_PATHS[key],
      connections: settings.connections,
      headers,
    });
  }
}
