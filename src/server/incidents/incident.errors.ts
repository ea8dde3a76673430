import { notFound } from "../errors.ts";

/** Another workspace's incident, one the reader may not see, and none at all: the same 404. */
export const incidentNotFound = () => notFound("No such incident.");
