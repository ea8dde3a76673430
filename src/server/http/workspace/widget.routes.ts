import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { AppContext } from "../../context.ts";
import {
  getWidgetSettings,
  updateWidgetSettings,
  WidgetSettingsBody,
  WidgetSettingsSchema,
} from "../../workspaces/widget-settings.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Settings → Share → Floating widget: on or off, the launcher's corner and label. Under the
// agents' gate with the rest of the workspace API (registered by workspace.routes.ts).

const security = [{ session: [], csrf: [] }];

export const workspaceWidgetRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/widget",
      {
        schema: {
          tags: ["settings"],
          summary: "The floating widget's settings",
          description:
            "Whether /portal/{slug}/widget.js answers, and its launcher's corner and label (a site's script tag may override both with data-position and data-label).",
          security,
          response: { 200: WidgetSettingsSchema, ...errors(401) },
        },
      },
      async (req) => getWidgetSettings(ctx, sessionOf(req).actor),
    );

    app.put(
      "/settings/widget",
      {
        schema: {
          tags: ["settings"],
          summary: "Change the floating widget's settings (admins)",
          description:
            "Fields left out keep their value. The label is trimmed and must keep 1–30 characters. Customers' sites see a change within a minute (the loader's cache).",
          security,
          body: WidgetSettingsBody,
          response: { 200: WidgetSettingsSchema, ...errors(400, 401, 403) },
        },
      },
      async (req) => updateWidgetSettings(ctx, sessionOf(req).actor, req.body),
    );
  };
