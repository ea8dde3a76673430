import { Type } from "typebox";

// The error answer every route shares, for its OpenAPI entry. The building blocks of bodies and
// answers are in lib/schema.ts.

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "Stable, machine-readable" }),
      message: Type.String({ description: "For people" }),
      fields: Type.Optional(
        Type.Record(Type.String(), Type.String(), { description: "Field at fault → what is wrong" }),
      ),
    }),
  },
  { $id: "ErrorResponse", description: "Every 4xx and 5xx answer has this shape" },
);

/**
 * The error answers a route may give, for its OpenAPI entry; every route may also answer 503
 * while the database or the disk is down (lib/outage.ts: a stable code and Retry-After).
 */
export function errors(...codes: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const c of [...codes, 503]) out[c] = Type.Ref("ErrorResponse");
  return out;
}

/** A ticket file's download answer, for its OpenAPI entry: agents', customers' and token holders' alike. */
export const FILE_ANSWER = {
  description: "The file",
  content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
};

/** An image attachment's thumbnail answer, beside the download above. */
export const THUMBNAIL_IMAGE_ANSWER = {
  description: "A small PNG or JPEG picture of the image",
  content: { "image/png": { schema: { type: "string", format: "binary" } } },
};
