import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { listAgents } from "../../agents/agent.service.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, validationFailed } from "../../errors.ts";
import {
  getSurveySettings,
  type SurveySettingsPatch,
  type SurveySettingsView,
  updateSurveySettings,
} from "../../surveys/survey-settings.service.ts";
import { formString } from "../../web/forms.ts";
import { formValidator } from "../shared/validation.ts";
import { sendAppPage } from "./layout.ts";
import { SurveySettingsBody } from "./survey-settings.routes.ts";
import { type SurveySettingsState, surveySettingsMain } from "./survey-settings.views.ts";

// /app/settings/surveys: the form passes the JSON API's own body schema before the service sees it.

const check = formValidator(SurveySettingsBody);

/** A form's repeated field (checkboxes) as a list. */
function formList(body: unknown, key: string): string[] {
  const v = (body as Record<string, unknown> | undefined)?.[key];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return typeof v === "string" ? [v] : [];
}

const whole = (v: string | undefined) => {
  const s = (v ?? "").trim();
  return /^-?\d{1,9}$/.test(s) ? Number(s) : s;
};

/**
 * The Slack webhook on the page: a new address replaces it; left blank, it is kept, unless
 * "Remove" is ticked (then null clears it). The stored address is never put in the page.
 */
function slackOf(form: unknown): { slackWebhookUrl?: string | null } {
  const typed = (formString(form, "slackWebhookUrl") ?? "").trim();
  if (typed) return { slackWebhookUrl: typed };
  return formString(form, "slackWebhookClear") === "true" ? { slackWebhookUrl: null } : {};
}

function bodyOf(form: unknown): Record<string, unknown> {
  const bool = (k: string) => formString(form, k) === "true";
  return {
    ...slackOf(form),
    timeZone: (formString(form, "timeZone") ?? "").trim(),
    businessHours: {
      days: formList(form, "day").map((d) => whole(d)),
      open: (formString(form, "open") ?? "").trim(),
      close: (formString(form, "close") ?? "").trim(),
    },
    csatEnabled: bool("csatEnabled"),
    csatDelivery: formString(form, "csatDelivery") ?? "",
    csatDelayMinutes: whole(formString(form, "csatDelayMinutes")),
    csatFollowUpMax: whole(formString(form, "csatFollowUpMax")),
    npsEnabled: bool("npsEnabled"),
    npsFirstDays: whole(formString(form, "npsFirstDays")),
    npsEveryDays: whole(formString(form, "npsEveryDays")),
    npsDetractorMax: whole(formString(form, "npsDetractorMax")),
    cesEnabled: bool("cesEnabled"),
    cesAfterPlan: bool("cesAfterPlan"),
    cesTicketTypes: formList(form, "cesTicketTypes"),
    quietDays: whole(formString(form, "quietDays")),
    stillFixedDays: whole(formString(form, "stillFixedDays")),
    csLeadAgentId: (formString(form, "csLeadAgentId") ?? "").trim() || null,
    reportAgentIds: formList(form, "reportAgentIds"),
    kbNoRatePct: whole(formString(form, "kbNoRatePct")),
    kbNoDays: whole(formString(form, "kbNoDays")),
    kbMinVotes: whole(formString(form, "kbMinVotes")),
  };
}

export const surveySettingsPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const show = async (
      req: FastifyRequest,
      reply: FastifyReply,
      st: SurveySettingsState & { status?: number; values?: SurveySettingsView } = {},
    ) => {
      const s = req.session as SessionInfo;
      const [current, agents] = await Promise.all([
        getSurveySettings(ctx, s.actor),
        listAgents(ctx, s.actor),
      ]);
      return sendAppPage(req, reply, {
        title: "Survey settings",
        section: "settings",
        status: st.status ?? 200,
        main: surveySettingsMain(req, st.values ?? current, agents, s.agent.role === "admin", st),
      });
    };

    app.get<{ Querystring: { saved?: string } }>("/", async (req, reply) =>
      show(
        req,
        reply,
        req.query.saved === "1" ? { notice: "Survey settings saved. They hold from now on." } : {},
      ),
    );

    app.post("/", async (req, reply) => {
      const actor = (req.session as SessionInfo).actor;
      const body = bodyOf(req.body);
      try {
        const errors = check(body);
        if (errors) throw validationFailed(errors);
        await updateSurveySettings(ctx, actor, body as SurveySettingsPatch);
        return reply.redirect("/app/settings/surveys?saved=1", 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 400) {
          // What was sent stays in the form, so the admin corrects only the field at fault.
          const current = await getSurveySettings(ctx, actor);
          const values = { ...current } as Record<string, unknown>;
          for (const [k, v] of Object.entries(body)) {
            // The address typed goes back into its field (st.slackTyped), not over the stored one's mask.
            if (k === "slackWebhookUrl") continue;
            if (k === "businessHours") {
              const h = v as { days: unknown[]; open: string; close: string };
              values.businessHours = {
                days: h.days.filter((d): d is number => typeof d === "number"),
                open: h.open,
                close: h.close,
              };
            } else values[k] = v;
          }
          return show(req, reply, {
            errors: err.fields ?? {},
            slackTyped: typeof body.slackWebhookUrl === "string" ? body.slackWebhookUrl : undefined,
            status: 400,
            values: values as unknown as SurveySettingsView,
          });
        }
        throw err;
      }
    });
  };
