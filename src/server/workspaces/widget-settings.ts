import { type Static, Type } from "typebox";
import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { WidgetPosition } from "../db/schema.widget.ts";
import { forbidden, notFound, validationFailed } from "../errors.ts";
import { Line, OneOf, StrictObject } from "../lib/schema.ts";
import type { Workspace } from "./workspace.branding.ts";

// The floating widget's settings (Settings → Share, and the API): on or off, the launcher's
// corner and its label. Every agent reads them; admins change them, audited. The loader script
// (http/public/widget.routes.ts) inlines them, so a change shows on customers' sites within the
// loader's short cache.

export const WIDGET_POSITIONS = ["right", "left"] as const satisfies readonly WidgetPosition[];
export const WIDGET_LABEL_MAX = 30;
export const DEFAULT_WIDGET_LABEL = "Help";

export const WidgetSettingsSchema = Type.Object({
  enabled: Type.Boolean({ description: "Whether the loader script answers (404 when off)" }),
  position: OneOf(WIDGET_POSITIONS, "The bottom corner the launcher sits in: right or left"),
  label: Type.String({ description: `The launcher's text (at most ${WIDGET_LABEL_MAX} characters)` }),
});
export type WidgetSettings = Static<typeof WidgetSettingsSchema>;

export const WidgetSettingsBody = StrictObject({
  enabled: Type.Optional(WidgetSettingsSchema.properties.enabled),
  position: Type.Optional(WidgetSettingsSchema.properties.position),
  label: Type.Optional(Line(WIDGET_LABEL_MAX * 4, `The launcher's text, 1–${WIDGET_LABEL_MAX} characters`)),
});
export type WidgetSettingsPatch = Static<typeof WidgetSettingsBody>;

type WidgetRow = {
  widget_enabled?: unknown;
  widget_position?: unknown;
  widget_label?: unknown;
};

/** The settings from a workspace row (every read of workspaces selects them); defaults for what is missing. */
export function widgetSettingsOf(ws: Workspace): WidgetSettings {
  const row = ws as Workspace & WidgetRow;
  return {
    enabled: row.widget_enabled === undefined ? true : Boolean(row.widget_enabled),
    position: row.widget_position === "left" ? "left" : "right",
    label: typeof row.widget_label === "string" && row.widget_label ? row.widget_label : DEFAULT_WIDGET_LABEL,
  };
}

async function readWidgetSettings(ctx: AppContext, workspaceId: string): Promise<WidgetSettings> {
  const row = await ctx.database.db
    .selectFrom("workspaces")
    .select(["widget_enabled", "widget_position", "widget_label"])
    .where("id", "=", workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound();
  return widgetSettingsOf(row as unknown as Workspace);
}

export const getWidgetSettings = (ctx: AppContext, actor: AgentActor) =>
  readWidgetSettings(ctx, actor.workspaceId);

/** Admins only; the label is trimmed and must keep 1–30 characters. Recorded in the audit log. */
export async function updateWidgetSettings(
  ctx: AppContext,
  actor: AgentActor,
  patch: WidgetSettingsPatch,
): Promise<WidgetSettings> {
  if (actor.role !== "admin") throw forbidden("Only admins change the floating widget.");
  const label = patch.label?.trim();
  if (label !== undefined) {
    const length = [...label].length;
    if (length === 0) throw validationFailed({ label: "must not be blank" });
    if (length > WIDGET_LABEL_MAX)
      throw validationFailed({ label: `must be at most ${WIDGET_LABEL_MAX} characters` });
  }
  const before = await getWidgetSettings(ctx, actor);
  const next: WidgetSettings = {
    enabled: patch.enabled ?? before.enabled,
    position: patch.position ?? before.position,
    label: label ?? before.label,
  };
  if (next.enabled === before.enabled && next.position === before.position && next.label === before.label) {
    return before;
  }
  await ctx.database.db.transaction().execute(async (tx) => {
    await tx
      .updateTable("workspaces")
      .set({
        widget_enabled: next.enabled,
        widget_position: next.position,
        widget_label: next.label,
        updated_at: nowIso(ctx),
      })
      .where("id", "=", actor.workspaceId)
      .execute();
    await recordAudit(ctx, tx, actor, {
      action: "settings.widget",
      summary: next.enabled
        ? `Floating widget on: “${next.label}”, bottom ${next.position}`
        : "Floating widget off",
      details: { from: before, to: next },
    });
  });
  return next;
}
