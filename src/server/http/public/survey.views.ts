import type { SurveyKind, SurveyTable } from "../../db/schema.surveys.ts";
import type { FieldErrors } from "../../errors.ts";
import { type Translator, translatorFor } from "../../i18n/translator.ts";
import { SCORE_RANGE, SURVEY_COMMENT_MAX } from "../../surveys/survey.service.ts";
import { type Labels, when } from "../../web/forms.ts";
import { type Html, html, multiline } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { customerErrorSummary, customerFieldError } from "../shared/customer.layout.ts";
import { withTime } from "./tracking.views.ts";

// The survey pages a customer sees (the email link's and the signed-in portal's): one question
// as a group of radio buttons (CSAT as stars, NPS 0–10 and CES 1–7 as numbered boxes, "Still
// fixed?" yes/no), an optional comment and a plain form; then a thank-you, the answer already
// given, or an expired link. No script is needed: the stars are radio inputs styled by portal.css.

/** The JSON API and the emails' callers speak English; pages pass their reader's translator. */
const ENGLISH = translatorFor("en");

const labelsOf = (t: Translator): Labels => ({
  score: t.t("errors:field.score"),
  answer: t.t("errors:field.answer"),
  comment: t.t("errors:field.comment"),
});

/** The question, in the customers' words. */
export function surveyQuestion(kind: SurveyKind, reference: string | null, t: Translator = ENGLISH): string {
  switch (kind) {
    case "csat":
      return reference ? t.t("survey:question.csatAbout", { reference }) : t.t("survey:question.csat");
    case "nps":
      return t.t("survey:question.nps");
    case "ces":
      return t.t("survey:question.ces");
    case "still_fixed":
      return reference
        ? t.t("survey:question.stillFixedAbout", { reference })
        : t.t("survey:question.stillFixed");
  }
}

/** An answer as text: "4 / 5", "Yes". */
export function answerText(
  s: Pick<SurveyTable, "kind" | "score" | "answer">,
  t: Translator = ENGLISH,
): string {
  if (s.kind === "still_fixed") return s.answer === "yes" ? t.t("survey:answerYes") : t.t("survey:answerNo");
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
  t: Translator,
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
        ? html`<span aria-hidden="true">★</span><span class="visually-hidden">${t.t("survey:stars", { count: v, word: t.t(`survey:csatWords.${v}`) })}</span>`
        : html`${v}`
    }</label>`,
  )}</div>
${
  stars
    ? html`<p class="scale-ends" aria-hidden="true"><span>${t.t("survey:csatWords.1")}</span><span>${t.t("survey:csatWords.5")}</span></p>`
    : kind === "nps"
      ? html`<p class="scale-ends"><span>${t.t("survey:npsLow")}</span><span>${t.t("survey:npsHigh")}</span></p>`
      : html`<p class="scale-ends"><span>${t.t("survey:cesLow")}</span><span>${t.t("survey:cesHigh")}</span></p>`
}`;
}

export function surveyFormMain(
  ws: Workspace,
  t: Translator,
  p: { kind: SurveyKind; reference: string | null; action: string; expiresAt: string | null },
  st: SurveyFormState = {},
): Html {
  const question = surveyQuestion(p.kind, p.reference, t);
  const LABELS = labelsOf(t);
  const stillFixed = p.kind === "still_fixed";
  const field = stillFixed ? "answer" : "score";
  const invalid = Boolean(st.errors?.[field]);
  return html`<h1>${stillFixed ? t.t("survey:heading.stillFixed") : p.kind === "csat" ? t.t("survey:heading.csat") : t.t("survey:heading.other")}</h1>
${customerErrorSummary(t, st.errors, undefined, LABELS)}
<form method="post" action="${p.action}" class="survey-form" novalidate>
  ${st.csrfToken ? html`<input type="hidden" name="_csrf" value="${st.csrfToken}">` : ""}
  <fieldset class="choice-group" id="${field}" tabindex="-1">
    <legend>${question}</legend>
    ${
      stillFixed
        ? html`<div class="yes-no">
      <input type="radio" class="choice-input" id="answer-yes" name="answer" value="yes" required${st.chosen === "yes" ? html` checked` : ""}${invalid ? html` aria-describedby="answer-error" aria-invalid="true"` : ""}>
      <label for="answer-yes" class="scale-box wide">${t.t("survey:yesFixed")}</label>
      <input type="radio" class="choice-input" id="answer-no" name="answer" value="no"${st.chosen === "no" ? html` checked` : ""}${invalid ? html` aria-describedby="answer-error" aria-invalid="true"` : ""}>
      <label for="answer-no" class="scale-box wide">${t.t("survey:notFixed")}</label>
    </div>`
        : choices(t, p.kind as Exclude<SurveyKind, "still_fixed">, st.chosen, invalid)
    }
    ${customerFieldError(t, st.errors, field, LABELS)}
  </fieldset>
  <div class="field">
    <label for="comment">${stillFixed ? t.t("survey:whatsWrong") : t.t("survey:addMore")}</label>
    <textarea id="comment" name="comment" rows="4" maxlength="${SURVEY_COMMENT_MAX}"${st.errors?.comment ? html` aria-describedby="comment-error" aria-invalid="true"` : ""}>${st.comment ?? ""}</textarea>
    ${customerFieldError(t, st.errors, "comment", LABELS)}
  </div>
  <button type="submit" class="primary">${t.t("survey:submit")}</button>
</form>
${p.expiresAt ? html`<p class="meta">${withTime(t, "survey:once", p.expiresAt)}</p>` : ""}
<p class="secondary-actions"><a href="/portal/${ws.slug}/home">${t.t("survey:toPortal")}</a></p>`;
}

/** The answer given (the thank-you, or a second visit of the link). */
function givenAnswer(t: Translator, s: SurveyTable): Html {
  return html`<dl class="survey-answer">
  <dt>${t.t("survey:yourAnswer")}</dt><dd>${s.kind === "csat" && s.score ? html`<span aria-hidden="true" class="stars-text">${starsText(s.score)}</span> ` : ""}${answerText(s, t)}</dd>
  ${s.comment ? html`<dt>${t.t("survey:yourComment")}</dt><dd>${multiline(s.comment)}</dd>` : ""}
  ${s.answered_at ? html`<dt>${t.t("survey:answered")}</dt><dd>${when(s.answered_at, t.locale)}</dd>` : ""}
</dl>`;
}

/** What a "Still fixed?" answer did, in the customer's words. */
function stillFixedDone(
  t: Translator,
  s: SurveyTable,
  reference: string | null,
  followUp: string | null,
): Html {
  const request = reference ?? t.t("survey:yourTicket");
  // A sentence may start with it: "Your request was already closed".
  const Request = reference ?? request.charAt(0).toLocaleUpperCase(t.locale) + request.slice(1);
  switch (s.answer_outcome) {
    case "closed":
      return html`<p>${t.t("survey:closed", { request })}</p>`;
    case "reopened":
      return html`<p>${t.t("survey:reopened", { request })}</p>`;
    case "follow_up":
      return html`<p>${
        followUp
          ? t.t("survey:followUpRef", { request: Request, reference: followUp })
          : t.t("survey:followUp", { request: Request })
      }</p>`;
    default:
      return s.answer === "no"
        ? html`<p>${t.t("survey:leftAsIs", { request: Request })}</p>`
        : html`<p>${t.t("survey:recorded")}</p>`;
  }
}

export function surveyThanksMain(
  ws: Workspace,
  t: Translator,
  s: SurveyTable,
  reference: string | null,
  followUp: string | null = null,
): Html {
  return html`<div class="confirmation" role="status">
  <h1>${s.kind === "still_fixed" ? t.t("survey:thanksAnswer") : t.t("survey:thanksRating")}</h1>
  ${s.kind === "still_fixed" ? stillFixedDone(t, s, reference, followUp) : html`<p>${t.t("survey:helps")}</p>`}
</div>
${givenAnswer(t, s)}
<p class="secondary-actions"><a href="/portal/${ws.slug}/home">${t.t("survey:toPortal")}</a></p>`;
}

export function surveyAlreadyAnsweredMain(ws: Workspace, t: Translator, s: SurveyTable): Html {
  return html`<h1>${t.t("survey:already.heading")}</h1>
<p>${t.t("survey:already.text")}</p>
${givenAnswer(t, s)}
<p class="secondary-actions"><a href="/portal/${ws.slug}/home">${t.t("survey:toPortal")}</a></p>`;
}

export function surveyExpiredMain(ws: Workspace, t: Translator): Html {
  return html`<h1>${t.t("survey:expired.heading")}</h1>
<p>${t.t("survey:expired.text")}</p>
<p><a class="button primary" href="/portal/${ws.slug}/home">${t.t("survey:toPortal")}</a></p>`;
}

export function surveyNotFoundMain(ws: Workspace, t: Translator): Html {
  return html`<h1>${t.t("survey:notFound.heading")}</h1>
<p>${t.t("survey:notFound.text")}</p>
<p><a class="button primary" href="/portal/${ws.slug}/home">${t.t("survey:toPortal")}</a></p>`;
}

export function unsubscribeMain(ws: Workspace, t: Translator, p: { action: string; done: boolean }): Html {
  return p.done
    ? html`<div class="confirmation" role="status"><h1>${t.t("survey:unsubscribed.heading")}</h1>
<p>${t.t("survey:unsubscribed.text")}</p></div>
<p class="secondary-actions"><a href="/portal/${ws.slug}/home">${t.t("survey:toPortal")}</a></p>`
    : html`<h1>${t.t("survey:unsubscribe.heading")}</h1>
<p>${t.t("survey:unsubscribe.text")}</p>
<form method="post" action="${p.action}"><input type="hidden" name="confirm" value="1"><button type="submit" class="primary">${t.t("survey:unsubscribe.button")}</button></form>`;
}

/** The portal's banner: a survey waiting for the signed-in customer's answer. */
export function surveyBanner(
  ws: Workspace,
  s: { id: string; kind: SurveyKind; reference: string | null },
  t: Translator = ENGLISH,
): Html {
  const href = `/portal/${ws.slug}/account/surveys/${s.id}`;
  const text =
    s.kind === "csat"
      ? s.reference
        ? t.t("survey:banner.csatAbout", { reference: s.reference })
        : t.t("survey:banner.csat")
      : surveyQuestion(s.kind, s.reference, t);
  return html`<section class="survey-banner" aria-label="${t.t("survey:banner.label")}"><p>${text} <a href="${href}">${
    s.kind === "csat" ? t.t("survey:banner.rate") : t.t("survey:banner.answer")
  }</a></p></section>`;
}
