import { withoutBidiControls } from "../../lib/bidi.ts";
import { type Html, html } from "../../web/html.ts";

// The team pieces of the queue and the ticket page (routing): the ticket's team in its details
// form, and the queue's team filter. Empty when the workspace has no teams.

export interface TeamOption {
  id: string;
  name: string;
}

const option = (value: string, label: string, selected: string) =>
  html`<option value="${value}"${value === selected ? html` selected` : ""}>${withoutBidiControls(label)}</option>`;

export function ticketTeamField(teamId: string | null, teams: TeamOption[] | undefined): Html {
  if (!teams?.length && !teamId) return html``;
  return html`<div class="field">
        <label for="p-team">Team</label>
        <select id="p-team" name="teamId">
          ${option("", "No team", teamId ?? "")}
          ${(teams ?? []).map((t) => option(t.id, t.name, teamId ?? ""))}
        </select>
      </div>`;
}

export function queueTeamFilter(team: string, teams: TeamOption[] | undefined): Html {
  if (!teams?.length && !team) return html``;
  return html`<div class="field">
    <label for="f-team">Team</label>
    <select id="f-team" name="team">
      ${option("", "Any team", team)}
      ${option("mine", "My teams", team)}
      ${(teams ?? []).map((t) => option(t.id, t.name, team))}
    </select>
  </div>`;
}
