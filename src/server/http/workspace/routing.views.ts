import type { FastifyRequest } from "fastify";
import { TICKET_TYPES } from "../../../shared/tickets.ts";
import type { FieldErrors } from "../../errors.ts";
import { ASSIGNMENT_MODES, type AssignmentSettings, MODE_LABELS } from "../../routing/assignment-settings.ts";
import type { WorkloadRow } from "../../routing/availability.ts";
import { TEAM_NAME_MAX, type TeamView } from "../../routing/teams.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { appErrorSummary, appFieldError, csrfField } from "./layout.ts";

// Settings → Assignment (how new tickets find an agent) and Settings → Teams and workload (teams
// and their members; each agent's availability, open tickets and capacity).

export interface RoutingState {
  notice?: string;
  errors?: FieldErrors;
  status?: number;
}

const notice = (st: RoutingState) =>
  st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : "";

const back = html`<p class="crumbs"><a href="/app/settings">Settings</a></p>`;

export function assignmentMain(
  req: FastifyRequest,
  s: AssignmentSettings,
  teams: TeamView[],
  isAdmin: boolean,
  st: RoutingState = {},
): Html {
  const dis = isAdmin ? html`` : html` disabled`;
  return html`${back}<h1>Assignment</h1>
${notice(st)}${appErrorSummary(st.errors)}
<section class="card routing" aria-labelledby="mode-title">
  <form method="post" action="/app/settings/assignment" novalidate>
    ${csrfField(req)}
    <fieldset>
      <legend id="mode-title">How new tickets are assigned</legend>
      <p class="hint">Only agents who are online, under their capacity, active and who accepted their invitation get tickets.${isAdmin ? "" : " Only admins change this."}</p>
      ${ASSIGNMENT_MODES.map(
        (m) =>
          html`<label class="check"><input type="radio" name="mode" value="${m}"${s.mode === m ? html` checked` : ""}${dis}> ${MODE_LABELS[m]}</label>`,
      )}
    </fieldset>
    <fieldset>
      <legend>Teams by ticket type</legend>
      <p class="hint">A new ticket of a type with a team belongs to that team and is assigned among its members; other types go to everyone. <a href="/app/settings/teams">Manage teams</a></p>
      ${TICKET_TYPES.map((type, i) => {
        const id = `type-${i}`;
        return html`<div class="field"><label for="${id}">${type}</label><select id="${id}" name="team:${type}"${dis}>
          <option value="">No team: everyone</option>
          ${teams.map((t) => html`<option value="${t.id}"${s.teamsByType[type] === t.id ? html` selected` : ""}>${bdi(t.name)}</option>`)}
        </select></div>`;
      })}
      ${appFieldError(st.errors, "teamsByType")}
    </fieldset>
    ${isAdmin ? html`<button type="submit">Save assignment</button>` : ""}
  </form>
</section>`;
}

function teamCard(req: FastifyRequest, t: TeamView, agents: WorkloadRow[], isAdmin: boolean): Html {
  const dis = isAdmin ? html`` : html` disabled`;
  const names = agents.filter((a) => t.memberIds.includes(a.id)).map((a) => a.name);
  return html`<li class="card team">
  <form method="post" action="/app/settings/teams/${t.id}" novalidate>
    ${csrfField(req)}
    <div class="field"><label for="name-${t.id}">Team name</label><input id="name-${t.id}" name="name" type="text" required maxlength="${TEAM_NAME_MAX}" value="${t.name}"${dis}></div>
    <fieldset><legend>Members of ${bdi(t.name)}</legend>
      ${agents
        .filter((a) => a.active)
        .map(
          (a) =>
            html`<label class="check"><input type="checkbox" name="member" value="${a.id}"${t.memberIds.includes(a.id) ? html` checked` : ""}${dis}> ${bdi(a.name)}</label>`,
        )}
    </fieldset>
    ${isAdmin ? html`<button type="submit" class="small">Save team<span class="visually-hidden"> ${bdi(t.name)}</span></button>` : html`<p class="muted">${names.length} member${names.length === 1 ? "" : "s"}</p>`}
  </form>
  ${isAdmin ? html`<form method="post" action="/app/settings/teams/${t.id}/delete">${csrfField(req)}<button type="submit" class="small danger">Delete team<span class="visually-hidden"> ${bdi(t.name)}</span></button></form>` : ""}
</li>`;
}

export function teamsMain(
  req: FastifyRequest,
  teams: TeamView[],
  agents: WorkloadRow[],
  isAdmin: boolean,
  st: RoutingState = {},
): Html {
  return html`${back}<h1>Teams and workload</h1>
${notice(st)}${appErrorSummary(st.errors)}
<section aria-labelledby="teams-title">
  <h2 id="teams-title">Teams</h2>
  ${teams.length ? html`<ul class="teams">${teams.map((t) => teamCard(req, t, agents, isAdmin))}</ul>` : html`<p class="muted">No teams yet.</p>`}
  ${
    isAdmin
      ? html`<form method="post" action="/app/settings/teams" novalidate class="card new-team">
    ${csrfField(req)}
    <div class="field"><label for="new-team">New team</label><input id="new-team" name="name" type="text" required maxlength="${TEAM_NAME_MAX}">${appFieldError(st.errors, "name")}</div>
    <button type="submit">Create team</button>
  </form>`
      : ""
  }
</section>
<section class="card" aria-labelledby="workload-title">
  <h2 id="workload-title">Workload</h2>
  <p class="hint">Capacity: the most open tickets auto-assignment gives an agent (empty: no limit). Agents set their own availability in the header.</p>
  <div class="table-scroll"><table class="list workload">
    <thead><tr><th scope="col">Agent</th><th scope="col">Availability</th><th scope="col">Open tickets</th><th scope="col">Capacity</th></tr></thead>
    <tbody>${agents.map(
      (a) => html`<tr>
      <td>${bdi(a.name)}${a.active ? "" : html` <span class="tag">Deactivated</span>`}${a.invited ? html` <span class="tag">Invited</span>` : ""}</td>
      <td data-label="Availability">${a.availability === "online" ? "Online" : "Away"}</td>
      <td data-label="Open tickets">${String(a.open)}</td>
      <td data-label="Capacity">${
        isAdmin
          ? html`<form method="post" action="/app/settings/agents/${a.id}/capacity" class="inline">${csrfField(req)}<label for="cap-${a.id}" class="visually-hidden">Capacity of ${bdi(a.name)}</label><input id="cap-${a.id}" name="capacity" type="number" inputmode="numeric" min="0" max="1000" value="${a.capacity === null ? "" : String(a.capacity)}"><button type="submit" class="small">Set<span class="visually-hidden"> capacity of ${bdi(a.name)}</span></button></form>`
          : a.capacity === null
            ? "No limit"
            : String(a.capacity)
      }</td>
    </tr>`,
    )}</tbody>
  </table></div>
</section>`;
}
