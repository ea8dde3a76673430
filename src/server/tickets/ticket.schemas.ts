import { Type } from "typebox";
import { MAX_FILES_CUSTOMER_REPLY, MAX_FILES_SUBMIT } from "../../shared/files.ts";
import { DESCRIPTION_MAX, MESSAGE_MAX, NAME_MAX, SUBJECT_MAX, TICKET_TYPES } from "../../shared/tickets.ts";
import { UploadKeys } from "../files/file.schemas.ts";
import { Email, Line, OneOf, OptionalText, StrictObject, Text } from "../http/schema.ts";
import { VisitId } from "../kb/kb.schemas.ts";

// Request bodies shared by the JSON API and the portal's HTML forms: one set of rules for both.

export const SubmitBody = StrictObject({
  name: Line(NAME_MAX, "The customer's full name"),
  email: Email(),
  subject: Line(SUBJECT_MAX),
  description: Type.Optional(OptionalText(DESCRIPTION_MAX, "Up to 5,000 characters (code points)")),
  type: Type.Optional(OneOf(TICKET_TYPES)),
  attachments: UploadKeys(MAX_FILES_SUBMIT),
  kbVisitId: Type.Optional({
    ...VisitId,
    description: "The submit page's visit id, for the deflection rate",
  }),
});

export const CustomerReplyBody = StrictObject({
  body: Text(MESSAGE_MAX),
  attachments: UploadKeys(MAX_FILES_CUSTOMER_REPLY),
});
