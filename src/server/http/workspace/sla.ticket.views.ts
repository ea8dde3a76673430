import type { TicketSla } from "../../sla/sla.schemas.ts";
import { type Html, html } from "../../web/html.ts";

// SLA deadlines as the agents read them: relative ("in 45 min", "3 h overdue"), counted down by
// app.js every half minute, each state said in words as well as colour (due soon, overdue, met,
// paused). The exact moment is the <time>'s datetime; data-local keeps time.js from writing an
// absolute date over the relative one, and data-relative has it put that date, in the reader's
// zone, in the title instead.

const MIN = 60_000;

/** "45 min", "3 h", "3 h 20 min" (under 10 h), "2 d": a span of time, shortly. */
export function span(ms: number): string {
  const m = Math.max(0, Math.round(Math.abs(ms) / MIN));
  if (m < 1) return "< 1 min";
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 10 && m % 60) return `${h} h ${m % 60} min`;
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

type DueState = "overdue" | "soon" | "ok";

function dueState(dueAt: string, warnAt: string | null, now: number): DueState {
  if (Date.parse(dueAt) <= now) return "overdue";
  if (Date.parse(warnAt ?? new Date(Date.parse(dueAt) - 60 * MIN).toISOString()) <= now) return "soon";
  return "ok";
}

/** A deadline counting down: "in 45 min", "Due soon: in 20 min", "Overdue: 3 h". */
export function dueTime(dueAt: string, warnAt: string | null, now: number): Html {
  const st = dueState(dueAt, warnAt, now);
  const left = Date.parse(dueAt) - now;
  const text =
    st === "overdue" ? `Overdue: ${span(left)}` : `${st === "soon" ? "Due soon: " : ""}in ${span(left)}`;
  return html`<time class="sla-due sla-${st}" datetime="${dueAt}" data-local="1" data-relative data-countdown${warnAt ? html` data-warn-at="${warnAt}"` : ""}>${text}</time>`;
}

/** The queue's cell: the next deadline, or a dash. */
export function nextDueCell(nextDueAt: string | null | undefined, now: number): Html {
  return html`<td class="sla-next" data-label="Next deadline">${nextDueAt ? dueTime(nextDueAt, null, now) : html`<span class="muted">—</span>`}</td>`;
}

/** The queue's cell: the ticket's age ("3 h"). */
export function ageCell(createdAt: string, now: number): Html {
  return html`<td class="age" data-label="Age"><time datetime="${createdAt}" data-local="1" data-relative data-age>${span(now - Date.parse(createdAt))}</time></td>`;
}

/** The ticket page's card: each target of the policy with its deadline or its outcome. */
export function slaCard(sla: TicketSla | null | undefined, now: number): Html | "" {
  if (!sla) return "";
  return html`<section class="card sla" aria-labelledby="sla-title">
    <h2 id="sla-title">SLA</h2>
    <p class="meta">Policy: ${sla.policy.name}${sla.pausedAt ? html` · <strong>Paused</strong> while waiting on the customer` : ""}</p>
    <dl class="sla-targets">${sla.targets.map(
      (x) =>
        html`<div class="sla-target"><dt>${x.label}</dt><dd>${
          x.breachedAt && !x.dueAt
            ? html`<span class="sla-overdue">Breached</span>`
            : x.dueAt
              ? sla.pausedAt
                ? html`<span class="sla-paused">Paused</span>`
                : dueTime(x.dueAt, x.warnAt, now)
              : x.breachedAt
                ? html`<span class="sla-overdue">Met late</span>`
                : html`<span class="sla-paused">No deadline now</span>`
        }${x.breachedAt && x.dueAt ? html` <span class="sla-overdue">Breached</span>` : ""}</dd></div>`,
    )}</dl>
  </section>`;
}
