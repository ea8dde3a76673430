import type { Generated } from "kysely";

// The floating widget's columns on workspaces (migration 0037), joined onto the table in
// schema.ts's DB. Apart from schema.ts so WorkspaceTable (and the rows built from it) stays as it is.

export type WidgetPosition = "right" | "left";

export interface WorkspaceWidgetColumns {
  /** Whether /portal/{slug}/widget.js answers (on by default). */
  widget_enabled: Generated<boolean>;
  /** The bottom corner the launcher sits in. */
  widget_position: Generated<WidgetPosition>;
  /** The launcher's text, at most 30 characters ("Help" by default). */
  widget_label: Generated<string>;
}
