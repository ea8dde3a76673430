import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { embedOriginsOf } from "../../workspaces/workspace.embedding.ts";
import type { Framing } from "../shared/html-response.ts";

// Who may frame the pages a workspace lets other sites show (the submit form's iframe embed and
// the floating widget's panel): the sites of its embed list, or any site when it keeps none.

export function embedFraming(ws: Workspace): Framing {
  const origins = embedOriginsOf(ws);
  return origins === null ? "anywhere" : { origins };
}
