import { type Static, Type } from "typebox";
import { TICKET_TYPES } from "../../shared/tickets.ts";
import { Line, Nullable, OneOf, OptionalText, StrictObject } from "../lib/schema.ts";

// What the form operations take and answer, declared once (routes, OpenAPI, services).

/** A form the customer is asked to complete on one of their tasks. */
export const FormDue = Type.Object({
  taskId: Type.String(),
  task: Type.String({ description: "The task's title" }),
  form: Type.String({ description: "The form's name" }),
  dueAt: Nullable(Type.String({ format: "date-time" })),
  overdue: Type.Boolean(),
  /** A draft has been saved: the customer resumes where they left off. */
  started: Type.Boolean(),
});
export type FormDue = Static<typeof FormDue>;

export const FIELD_TYPES = [
  "short_text",
  "long_text",
  "email",
  "number",
  "date",
  "single_choice",
  "multiple_choice",
  "checkbox",
  "file",
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const FORM_NAME_MAX = 200;
export const FORM_FIELDS_MAX = 100;
export const LABEL_MAX = 200;
export const HELP_MAX = 1000;
/** The longest answer a long text field takes when it sets no limit of its own. */
export const LONG_TEXT_MAX = 20_000;
export const SHORT_TEXT_MAX = 500;

/** One field of a form version. `property` names the company property the answer sets. */
export const FormField = StrictObject({
  key: Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: "^[a-z][a-z0-9_]*$",
    "x-error": "must start with a letter and hold only lowercase letters, digits and _",
    description: "Stable across versions: answers are stored by it",
  }),
  label: Line(LABEL_MAX),
  type: OneOf(FIELD_TYPES),
  required: Type.Boolean(),
  help: Type.Optional(OptionalText(HELP_MAX)),
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: LONG_TEXT_MAX })),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  options: Type.Optional(Type.Array(Line(200), { maxItems: 50 })),
  property: Type.Optional(Line(200, "The company property this answer sets, e.g. “billing contact”")),
});
export type FormField = Static<typeof FormField>;

export const FormFields = Type.Array(FormField, { maxItems: FORM_FIELDS_MAX });

export const CreateFormBody = StrictObject({
  name: Line(FORM_NAME_MAX),
  description: Type.Optional(OptionalText(2000)),
  requestType: Type.Optional(Nullable(OneOf(TICKET_TYPES, "The request type whose submit form it extends"))),
  fields: Type.Optional(FormFields),
});
export type CreateFormBody = Static<typeof CreateFormBody>;

export const FormPatch = StrictObject({
  name: Type.Optional(Line(FORM_NAME_MAX)),
  description: Type.Optional(OptionalText(2000)),
  requestType: Type.Optional(Nullable(OneOf(TICKET_TYPES))),
  fields: Type.Optional(FormFields),
  archived: Type.Optional(Type.Boolean()),
});
export type FormPatch = Static<typeof FormPatch>;

export const FormSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  requestType: Nullable(Type.String()),
  version: Type.Integer({ description: "The current version" }),
  archived: Type.Boolean(),
  updatedAt: Type.String({ format: "date-time" }),
});
export type FormSummary = Static<typeof FormSummary>;

export const FormDetail = Type.Object({
  ...FormSummary.properties,
  fields: FormFields,
});
export type FormDetail = Static<typeof FormDetail>;

export const FormVersionView = Type.Object({
  version: Type.Integer(),
  fields: FormFields,
  createdAt: Type.String({ format: "date-time" }),
});
export type FormVersionView = Static<typeof FormVersionView>;

/** A task form's file answer: one of the company's documents, by id, with its title. */
export const DocumentAnswer = Type.Object({
  documentId: Type.String(),
  name: Type.String({ description: "The document's title" }),
});

/** An answer: text, a number, yes/no, several choices, a company document, or an uploaded file. */
export const AnswerValue = Type.Union([
  Type.String({ maxLength: LONG_TEXT_MAX }),
  Type.Number(),
  Type.Boolean(),
  Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 }),
  DocumentAnswer,
  Type.Object({ id: Type.String(), name: Type.String() }),
  Type.Null(),
]);
export const Answers = Type.Record(Type.String({ maxLength: 64 }), AnswerValue);
export type Answers = Static<typeof Answers>;

export const AnswersBody = StrictObject({
  answers: Type.Record(
    Type.String({ maxLength: 64 }),
    Type.Union([
      Type.String({ maxLength: LONG_TEXT_MAX }),
      Type.Number(),
      Type.Boolean(),
      Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 }),
      StrictObject(
        {
          documentId: Type.String({ minLength: 1, maxLength: 64 }),
          name: Type.Optional(Type.String({ maxLength: 500 })),
        },
        "A file field's answer: a document of the company, uploaded first with POST /api/portal/{slug}/documents",
      ),
      Type.Null(),
    ]),
    { maxProperties: FORM_FIELDS_MAX },
  ),
});
export type AnswersBody = Static<typeof AnswersBody>;

/** A task's form as the customer fills it: the fields of the version answered, and the answers. */
export const TaskFormView = Type.Object({
  taskId: Type.String(),
  task: Type.String(),
  form: Type.String(),
  description: Type.String(),
  version: Type.Integer(),
  fields: FormFields,
  status: OneOf(["new", "draft", "submitted"] as const),
  answers: Answers,
  submittedAt: Nullable(Type.String({ format: "date-time" })),
  updatedAt: Nullable(Type.String({ format: "date-time" })),
  mayAnswer: Type.Boolean({
    description: "The task's portal assignee, any contact when it has none, or a manager",
  }),
});
export type TaskFormView = Static<typeof TaskFormView>;

export const FormResponseView = Type.Object({
  id: Type.String(),
  formId: Type.String(),
  form: Type.String(),
  version: Type.Integer(),
  fields: FormFields,
  taskId: Nullable(Type.String()),
  ticketId: Nullable(Type.String()),
  contact: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  status: OneOf(["draft", "submitted"] as const),
  answers: Answers,
  submittedAt: Nullable(Type.String({ format: "date-time" })),
  updatedAt: Type.String({ format: "date-time" }),
});
export type FormResponseView = Static<typeof FormResponseView>;

export const PropertyChangeView = Type.Object({
  name: Type.String(),
  value: Nullable(Type.String()),
  by: Type.Object({ type: OneOf(["agent", "contact", "system"] as const), name: Nullable(Type.String()) }),
  formResponseId: Nullable(Type.String()),
  at: Type.String({ format: "date-time" }),
});
export type PropertyChangeView = Static<typeof PropertyChangeView>;
