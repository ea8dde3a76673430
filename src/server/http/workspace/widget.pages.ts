import type { FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { formString } from "../../web/forms.ts";
import { updateWidgetSettings, WidgetSettingsBody } from "../../workspaces/widget-settings.ts";
import { formValidator } from "../shared/validation.ts";
import type { WidgetFormState } from "./widget.views.ts";

// POST /app/settings/widget (Settings → Share → Floating widget), registered by settings.pages.ts,
// which shows the settings page again with the form's errors. The form passes the JSON API's body
// schema before the service sees it.

const checkWidget = formValidator(WidgetSettingsBody);

type ShowSettings = (
  req: FastifyRequest,
  reply: FastifyReply,
  st: { widget: WidgetFormState; status: number },
) => Promise<FastifyReply>;

export async function saveWidgetForm(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  show: ShowSettings,
): Promise<FastifyReply> {
  const values = {
    enabled: formString(req.body, "enabled") === "true",
    position: formString(req.body, "position") === "left" ? "left" : "right",
    label: formString(req.body, "label") ?? "",
  };
  const again = (fields: Record<string, string>, status: number) =>
    show(req, reply, {
      widget: { values, errors: Object.fromEntries(Object.values(fields).map((m) => ["widgetLabel", m])) },
      status,
    });
  try {
    const body = { enabled: values.enabled, position: values.position, label: values.label };
    const errors = checkWidget(body);
    if (errors) return again(errors, 400);
    await updateWidgetSettings(ctx, (req.session as SessionInfo).actor, body as never);
    return reply.redirect("/app/settings?saved=widget#widget", 303);
  } catch (err) {
    if (err instanceof AppError && err.status === 400)
      return again(err.fields ?? { label: err.message }, 400);
    throw err;
  }
}
