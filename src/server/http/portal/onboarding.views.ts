import type { PortalOnboardingSummary } from "../../onboarding/onboarding.schemas.ts";
import { type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";

// The portal's onboarding views: the home's section, the plan page, one task.

export function onboardingHomeSection(_ws: Workspace, _s: PortalOnboardingSummary): Html {
  return html`<section aria-labelledby="onboarding-title" data-slot="onboarding">
  <h2 id="onboarding-title">Onboarding</h2>
  <p class="meta">Nothing in progress.</p>
</section>`;
}
