import type { SurveyKind, SurveyTable } from "../../db/schema.surveys.ts";
import type { FieldErrors } from "../../errors.ts";
import { SCORE_RANGE, SURVEY_COMMENT_MAX } from "../../surveys/survey.service.ts";
import { errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { type Html, html, multiline } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";

// The survey pages a customer sees (the email link's and the signed-in portal's): one question
// as a group of radio buttons (CSAT as stars, NPS 0–10 and CES 1–7 as numbered boxes, "Still
// fixed?" yes/no), an optional comment and a plain form; then a thank-you, the answer already
// given, or an expired link. No script is needed: the stars are radio inputs styled by portal.css.

const LABELS: Labels = { score: "Your rating", answer: "Your answer", comment: "Your comment" };

const CSAT_WORDS = ["Very poor", "Poor", "Okay", "Good", "Excellent"];

/** The question, in the customers' words. */
export function surveyQuestion(kind: SurveyKind, reference: string | null): string {
  const about = reference ? ` with ${reference}` : "";
  switch (kind) {
    case "csat":
      return `How would you rate your experience${about}?`;
    case "nps":
      return "How likely are you to recommend us to a friend or colleague?";
    case "ces":
      return "How easy was it to get what you needed?";
    case "still_fixed":
      return reference ? `Is your request ${reference} still fixed?` : "Is your request still fixed?";
  }
}

/** An answer as text: "4 / 5", "Yes". */
export function answerText(s: Pick<SurveyTable, "kind" | "score" | "answer">): string {
  if (s.kind === "still_fixed") return s.answer === "yes" ? "Yes, still fixed" : "No, not fixed";
  return `${s.score ?? "–"} / ${SCORE_RANGE[s.kind].max}`;
}

/** Stars as text for the eye (★★★★☆); the number beside them is what a screen reader reads. */
export const starsText = (score: number) => "★".repeat(score) + "☆".repeat(Math.max(0, 5 - score));

export interface SurveyFormState {
  errors?: FieldErrors | undefined;
  /** The score or answer chosen (a failed submit, or ?score=N from an email's per-score link). */
  chosen?: string | undefined;
  comment?: string | undefined;
  /** The signed-in portal's form carries the session's CSRF token. */
  csrfToken?: string | undefined;
}

function choices(
  kind: Exclude<SurveyKind, "still_fixed">,
  chosen: string | undefined,
  invalid: boolean,
): Html {
  const { min, max } = SCORE_RANGE[kind];
  const values = Array.from({ length: max - min + 1 }, (_, i) => min + i);
  const stars = kind === "csat";
  const checked = (v: number) => (chosen === String(v) ? html` checked` : "");
  const first = (v: number) => (v === min ? html` required` : "");
  const aria = invalid ? html` aria-describedby="score-error" aria-invalid="true"` : "";
  return html`<div class="${stars ? "star-row" : "scale-row"}">${values.map(
    (
      v,
    ) => html`<input type="radio" class="choice-input" id="score-${v}" name="score" value="${v}"${checked(v)}${first(v)}${aria}>
<label for="score-${v}" class="${stars ? "star" : "scale-box"}">${
      stars
        ? html`<span aria-hidden="true">★</span><span class="visually-hidden">${v} ${v === 1 ? "star" : "stars"}: ${CSAT_WORDS[v - 1]}</span>`
        : html`${v}`
    }</label>`,
  )}</div>
${
  stars
    ? html`<p class="scale-ends" aria-hidden="true"><span>Very poor</span><span>Excellent</span></p>`
    : kind === "nps"
      ? html`<p class="scale-ends"><span>0 = not at all likely</span><span>10 = extremely likely</span></p>`
      : html`<p class="scale-ends"><span>1 = very difficult</span><span>7 = very easy</span></p>`
}`;
}

export function surveyFormMain(
  ws: Workspace,
  p: { kind: SurveyKind; reference: string | null; action: string; expiresAt: string | null },
  st: SurveyFormState = {},
): Html {
  const question = surveyQuestion(p.kind, p.reference);
  const stillFixed = p.kind === "still_fixed";
  const field = stillFixed ? "answer" : "score";
  const invalid = Boolean(st.errors?.[field]);
  return html`<h1>${stillFixed ? "Still fixed?" : p.kind === "csat" ? "Rate your experience" : "One question"}</h1>
${errorSummary(LABELS, st.errors)}
<form method="post" action="${p.action}" class="survey-form" novalidate>
  ${st.csrfToken ? html`<input type="hidden" name="_csrf" value="${st.csrfToken}">` : ""}
  <fieldset class="choice-group" id="${field}" tabindex="-1">
    <legend>${question}</legend>
    ${
      stillFixed
        ? html`<div class="yes-no">
      <input type="radio" class="choice-input" id="answer-yes" name="answer" value="yes" required${st.chosen === "yes" ? html` checked` : ""}${invalid ? html` aria-describedby="answer-error" aria-invalid="true"` : ""}>
      <label for="answer-yes" class="scale-box wide">Yes, it is fixed</label>
      <input type="radio" class="choice-input" id="answer-no" name="answer" value="no"${st.chosen === "no" ? html` checked` : ""}${invalid ? html` aria-describedby="answer-error" aria-invalid="true"` : ""}>
      <label for="answer-no" class="scale-box wide">No, it is not</label>
    </div>`
        : choices(p.kind as Exclude<SurveyKind, "still_fixed">, st.chosen, invalid)
    }
    ${fieldError(LABELS, st.errors, field)}
  </fieldset>
  <div class="field">
    <label for="comment">${stillFixed ? "What's still wrong? (optional)" : "Anything you'd like to add? (optional)"}</label>
    <textarea id="comment" name="comment" rows="4" maxlength="${SURVEY_COMMENT_MAX}"${st.errors?.comment ? html` aria-describedby="comment-error" aria-invalid="true"` : ""}>${st.comment ?? ""}</textarea>
    ${fieldError(LABELS, st.errors, "comment")}
  </div>
  <button type="submit" class="primary">Submit</button>
</form>
${
  p.expiresAt ? html`<p class="meta">You can answer once; the link works until ${when(p.expiresAt)}.</p>` : ""
}
<p class="secondary-actions"><a href="/portal/${ws.slug}/home">Go to the support portal</a></p>`;
}

/** The answer given (the thank-you, or a second visit of the link). */
function givenAnswer(s: SurveyTable): Html {
  return html`<dl class="survey-answer">
  <dt>Your answer</dt><dd>${s.kind === "csat" && s.score ? html`<span aria-hidden="true" class="stars-text">${starsText(s.score)}</span> ` : ""}${answerText(s)}</dd>
  ${s.comment ? html`<dt>Your comment</dt><dd>${multiline(s.comment)}</dd>` : ""}
  ${s.answered_at ? html`<dt>Answered</dt><dd>${when(s.answered_at)}</dd>` : ""}
</dl>`;
}

/** What a "Still fixed?" answer did, in the customer's words. */
function stillFixedDone(s: SurveyTable, reference: string | null, followUp: string | null): Html {
  const request = reference ?? "your request";
  switch (s.answer_outcome) {
    case "closed":
      return html`<p>Glad to hear it. We closed ${request}.</p>`;
    case "reopened":
      return html`<p>We reopened ${request} and the team will look at it again.</p>`;
    case "follow_up":
      return html`<p>${request} was already closed, so we opened a new request${followUp ? html`, ${followUp},` : ""} linked to it with your answer. The team will look at it.</p>`;
    default:
      return s.answer === "no"
        ? html`<p>${request} has changed since we asked, so it was left as it is. Your answer was recorded for the team.</p>`
        : html`<p>Glad to hear it. Your answer was recorded.</p>`;
  }
}

export function surveyThanksMain(
  ws: Workspace,
  s: SurveyTable,
  reference: string | null,
  followUp: string | null = null,
): Html {
  return html`<div class="confirmation" role="status">
  <h1>Thanks — your ${s.kind === "still_fixed" ? "answer" : "rating"} was recorded</h1>
  ${s.kind === "still_fixed" ? stillFixedDone(s, reference, followUp) : html`<p>Your feedback helps us improve.</p>`}
</div>
${givenAnswer(s)}
<p class="secondary-actions"><a href="/portal/${ws.slug}/home">Go to the support portal</a></p>`;
}

export function surveyAlreadyAnsweredMain(ws: Workspace, s: SurveyTable): Html {
  return html`<h1>You already answered</h1>
<p>This question was answered already, so nothing new was recorded. Thank you!</p>
${givenAnswer(s)}
<p class="secondary-actions"><a href="/portal/${ws.slug}/home">Go to the support portal</a></p>`;
}

export function surveyExpiredMain(ws: Workspace): Html {
  return html`<h1>This link has expired</h1>
<p>Survey links work for 7 days after we send them. If something is still wrong, tell us in the support portal.</p>
<p><a class="button primary" href="/portal/${ws.slug}/home">Go to the support portal</a></p>`;
}

export function surveyNotFoundMain(ws: Workspace): Html {
  return html`<h1>We could not open that survey</h1>
<p>The link may be mistyped or incomplete.</p>
<p><a class="button primary" href="/portal/${ws.slug}/home">Go to the support portal</a></p>`;
}

export function unsubscribeMain(ws: Workspace, p: { action: string; done: boolean }): Html {
  return p.done
    ? html`<div class="confirmation" role="status"><h1>You are unsubscribed</h1>
<p>We will not send you surveys again. Emails about your requests still reach you.</p></div>
<p class="secondary-actions"><a href="/portal/${ws.slug}/home">Go to the support portal</a></p>`
    : html`<h1>Unsubscribe from surveys?</h1>
<p>You will get no more satisfaction surveys or questions from us. Emails about your requests still reach you.</p>
<form method="post" action="${p.action}"><input type="hidden" name="confirm" value="1"><button type="submit" class="primary">Unsubscribe</button></form>`;
}

/** The portal's banner: a survey waiting for the signed-in customer's answer. */
export function surveyBanner(
  ws: Workspace,
  s: { id: string; kind: SurveyKind; reference: string | null },
): Html {
  const href = `/portal/${ws.slug}/account/surveys/${s.id}`;
  const text =
    s.kind === "csat"
      ? s.reference
        ? `How did we do on ${s.reference}?`
        : "How did we do?"
      : surveyQuestion(s.kind, s.reference);
  return html`<section class="survey-banner" aria-label="Survey"><p>${text} <a href="${href}">${
    s.kind === "csat" ? "Rate your experience" : "Answer one question"
  }</a></p></section>`;
}
