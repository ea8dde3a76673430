import type { FastifyRequest } from "fastify";
import type { FieldErrors } from "../../errors.ts";
import { NEGATIVE, STRONGLY_NEGATIVE } from "../../sentiment/score.ts";
import type { QueueMood, TicketSentiment } from "../../sentiment/sentiment.schemas.ts";
import {
  PRIORITY_RULE_LABELS,
  PRIORITY_RULES,
  type SentimentSettings,
} from "../../sentiment/sentiment-settings.ts";
import { type Html, html } from "../../web/html.ts";
import { appErrorSummary, csrfField } from "./layout.ts";

// Sentiment in the app: the queue's marker and mood filter, the ticket's mood line, and
// Settings → Sentiment. A marker is an icon and a word, never a colour alone.

const ICONS = {
  // A frowning face.
  angry: html`<svg class="mood-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false"><circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5"/><circle cx="5.8" cy="6.5" r="1" fill="currentColor"/><circle cx="10.2" cy="6.5" r="1" fill="currentColor"/><path d="M5 11.4c1.6-1.6 4.4-1.6 6 0" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/></svg>`,
  // A lightning bolt.
  urgent: html`<svg class="mood-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false"><path d="M9.5 1 3 9h4l-1 6 6.5-8h-4z" fill="currentColor"/></svg>`,
} as const;

const MOOD_WORDS = { angry: "Angry", urgent: "Urgent" } as const;
const TREND_WORDS = { improving: "improving", worsening: "worsening", steady: "steady" } as const;

/** The queue row's marker on an angry or urgent ticket (nothing otherwise). */
export function moodMarker(s: TicketSentiment | undefined, named = true): Html | "" {
  if (!s?.mood) return "";
  // In the queue (a card at 375 px, where no header names it) "Angry" says whose mood it is.
  const name = named ? html`<span class="visually-hidden">Customer's mood: </span>` : "";
  return html` <span class="mood-marker mood-${s.mood}" title="Latest customer message: ${scoreWord(s.score)} (${s.score.toFixed(2)})">${ICONS[s.mood]}${name}${MOOD_WORDS[s.mood]}</span>`;
}

function scoreWord(score: number): string {
  if (score <= STRONGLY_NEGATIVE) return "very negative";
  if (score <= NEGATIVE) return "negative";
  if (score < -NEGATIVE) return "neutral";
  if (score < -STRONGLY_NEGATIVE) return "positive";
  return "very positive";
}

const MOOD_FILTERS: [QueueMood | "", string][] = [
  ["", "Any mood"],
  ["negative", "Negative"],
  ["angry", "Angry"],
  ["urgent", "Urgent"],
];

/** The queue's mood filter (?mood=negative|angry|urgent). */
export function moodFilterField(selected: string): Html {
  return html`<div class="field">
    <label for="f-mood">Mood</label>
    <select id="f-mood" name="mood">${MOOD_FILTERS.map(
      ([v, label]) => html`<option value="${v}"${v === selected ? html` selected` : ""}>${label}</option>`,
    )}</select>
  </div>`;
}

/** The ticket page's line: the latest mood, its score and the trend. */
export function ticketMoodLine(s: TicketSentiment | undefined): Html | "" {
  if (!s) return "";
  const trend = s.trend ? html` · <span class="mood-trend">${TREND_WORDS[s.trend]}</span>` : "";
  return html`<p class="mood-line">Customer's mood: <strong>${scoreWord(s.score)}</strong> <span class="meta">(${s.score.toFixed(2)})</span>${trend}${moodMarker(s, false)}</p>`;
}

export interface SentimentSettingsState {
  errors?: FieldErrors;
  notice?: string;
  status?: number;
}

/** /app/settings/sentiment: the priority rule, and what the scoring understands. */
export function sentimentSettingsMain(
  req: FastifyRequest,
  s: SentimentSettings,
  isAdmin: boolean,
  st: SentimentSettingsState = {},
): Html {
  const dis = isAdmin ? html`` : html` disabled`;
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/settings">Settings</a> <span aria-hidden="true">/</span> <span aria-current="page">Sentiment</span></nav>
<h1>Sentiment</h1>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
<section class="card" aria-labelledby="rule-title">
  <h2 id="rule-title">Strongly negative messages</h2>
  <p class="hint">Each customer message is scored from -1 (very negative) to 1 (very positive) when it arrives, in English, German or French. A score of -0.65 or lower marks the ticket <strong>Angry</strong> in the queue. Raising the priority is recorded in the ticket's history as done by the system; it never lowers a priority.${isAdmin ? "" : " Only admins change this."}</p>
  ${st.errors ? appErrorSummary(st.errors) : ""}
  <form method="post" action="/app/settings/sentiment" novalidate>
    ${csrfField(req)}
    <fieldset>
      <legend>When a customer writes a strongly negative message</legend>
      ${PRIORITY_RULES.map(
        (r) =>
          html`<div class="choice"><label><input type="radio" name="priorityRule" value="${r}"${r === s.priorityRule ? html` checked` : ""}${dis}> ${PRIORITY_RULE_LABELS[r]}</label></div>`,
      )}
    </fieldset>
    ${isAdmin ? html`<button type="submit">Save</button>` : ""}
  </form>
</section>`;
}
