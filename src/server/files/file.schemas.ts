import { Type } from "typebox";
import { Key } from "../lib/schema.ts";

/** Upload keys from an upload's answer; each attaches its file once. */
export const UploadKeys = (max: number) =>
  Type.Optional(
    Type.Array(Key(128, { minLength: 1 }), {
      maxItems: max,
      description: `Up to ${max} keys from the upload route's answers`,
    }),
  );

export const Attachment = Type.Object({
  id: Type.String(),
  name: Type.String(),
  size: Type.Integer({ description: "Bytes" }),
  contentType: Type.String(),
  typeLabel: Type.String(),
  icon: Type.String(),
  commentId: Type.Union([Type.String(), Type.Null()]),
  thumbnail: Type.Boolean({
    description: "Whether the download's address followed by /thumbnail serves a small picture of the image",
  }),
  unscanned: Type.Optional(
    Type.Literal(true, {
      description:
        "Agents only: accepted while the malware scanner could not check it (CLAMAV_ON_ERROR=accept)",
    }),
  ),
});
