import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import { companiesVisibleTo } from "../../companies/company.access.ts";
import type { AppContext } from "../../context.ts";
import { AppError, validationFailed } from "../../errors.ts";
import { type SlaSettingsBody as Body, SlaSettingsBody } from "../../sla/sla.schemas.ts";
import { getSlaSettings, updateSlaSettings } from "../../sla/sla.settings.ts";
import { formString } from "../../web/forms.ts";
import { formValidator } from "../shared/validation.ts";
import { sendAppPage } from "./layout.ts";
import { type Policy, type SlaPageState, slaSettingsMain } from "./sla.views.ts";

// /app/settings/sla: the form passes the JSON API's own body schema before the service sees it.

const check = formValidator(SlaSettingsBody);

const minutesOf = (v: string | undefined) => {
  const s = (v ?? "").trim();
  if (!s) return null;
  return /^\d{1,9}$/.test(s) ? Number(s) : s;
};

/** The form as the JSON body: rows with a name are policies; holidays one per line. */
function bodyOf(form: unknown): { body: Record<string, unknown>; policies: Policy[]; holidaysText: string } {
  const rows = Math.min(102, Number(formString(form, "rows") ?? 0) || 0);
  const policies: Record<string, unknown>[] = [];
  for (let i = 0; i < rows; i++) {
    const name = (formString(form, `name-${i}`) ?? "").trim();
    if (!name) continue;
    const id = formString(form, `id-${i}`);
    policies.push({
      ...(id ? { id } : {}),
      name,
      priority: formString(form, `priority-${i}`) ?? "",
      ticketType: formString(form, `ticketType-${i}`) || null,
      companyId: formString(form, `companyId-${i}`) || null,
      firstResponseMinutes: minutesOf(formString(form, `firstResponseMinutes-${i}`)),
      nextResponseMinutes: minutesOf(formString(form, `nextResponseMinutes-${i}`)),
      resolutionMinutes: minutesOf(formString(form, `resolutionMinutes-${i}`)),
      clock: formString(form, `clock-${i}`) ?? "",
    });
  }
  const holidaysText = (formString(form, "holidays") ?? "").replace(/\r\n/g, "\n");
  const holidays = holidaysText
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l);
      return { day: m?.[1] ?? l, name: m?.[2] || "Holiday" };
    });
  return {
    body: { policies, holidays, showResponseTime: formString(form, "showResponseTime") === "true" },
    policies: policies as unknown as Policy[],
    holidaysText,
  };
}

export const slaSettingsPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const show = async (
      req: FastifyRequest,
      reply: FastifyReply,
      st: SlaPageState & { status?: number; policies?: Policy[]; showResponseTime?: boolean } = {},
    ) => {
      const s = req.session as SessionInfo;
      const current = await getSlaSettings(ctx, s.actor);
      const companies = await companiesVisibleTo(ctx.database.db, s.actor)
        .select(["companies.id", "companies.name"])
        .orderBy("companies.name")
        .limit(500)
        .execute();
      return sendAppPage(req, reply, {
        title: "SLA settings",
        section: "settings",
        status: st.status ?? 200,
        main: slaSettingsMain(
          req,
          {
            ...current,
            policies: st.policies ?? current.policies,
            showResponseTime: st.showResponseTime ?? current.showResponseTime,
          },
          companies,
          s.agent.role === "admin",
          st,
        ),
      });
    };

    app.get<{ Querystring: { saved?: string } }>("/", async (req, reply) =>
      show(req, reply, req.query.saved === "1" ? { notice: "SLA settings saved." } : {}),
    );

    app.post("/", async (req, reply) => {
      const actor = (req.session as SessionInfo).actor;
      const { body, policies, holidaysText } = bodyOf(req.body);
      try {
        const errors = check(body);
        if (errors) throw validationFailed(errors);
        await updateSlaSettings(ctx, actor, body as unknown as Body);
        return reply.redirect("/app/settings/sla?saved=1", 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 400) {
          return show(req, reply, {
            errors: err.fields ?? {},
            status: 400,
            policies,
            holidaysText,
            showResponseTime: body.showResponseTime === true,
          });
        }
        throw err;
      }
    });
  };
