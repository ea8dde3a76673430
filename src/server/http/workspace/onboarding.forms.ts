import { AppError, validationFailed } from "../../errors.ts";
import type { OnboardingFormState } from "./onboarding.views.ts";

// What the onboarding pages share: checking a form, which refusals go back on the form, the
// notices after a change, and reading form fields.

export type Query = { done?: string };

export function check(validate: (data: unknown) => Record<string, string> | null, body: object) {
  const errors = validate(body);
  if (errors) throw validationFailed(errors);
}

export const fixable = (err: unknown): err is AppError =>
  err instanceof AppError && err.status < 500 && err.status !== 404 && err.status !== 403;

export const stateOf = (
  err: AppError,
  form: string,
  values: Record<string, string> = {},
): OnboardingFormState => ({
  ...(err.fields ? { errors: err.fields } : { message: err.message }),
  values,
  form,
});

export const NOTICES: Record<string, string> = {
  created: "Template added.",
  saved: "Saved.",
  task: "Task added.",
  removed: "Task removed.",
  moved: "Order saved.",
  deleted: "Template deleted. Plans applied from it keep their tasks.",
  applied: "Template applied: the company has its own copy of the plan.",
  plan: "Plan saved.",
  linked: "Ticket linked to the task.",
  spawned: "Task made from the ticket and linked to it.",
};

export const noticeOf = (q: Query) => (q.done && NOTICES[q.done] ? { notice: NOTICES[q.done] } : {});
export const clip = (s: string) => s.slice(0, 64);

/** A date field (YYYY-MM-DD) as the end of that day, UTC; anything else as typed, for the schema to refuse. */
export const dueFrom = (raw: string) =>
  raw === "" ? null : /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T23:59:00.000Z` : raw;
export const orNull = (raw: string | undefined) => (raw ? raw : null);
