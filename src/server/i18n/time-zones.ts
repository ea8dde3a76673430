// The time zones a customer may choose for their account: the IANA names the runtime knows.

const ZONES = new Set([...Intl.supportedValuesOf("timeZone"), "UTC"]);

/** Whether a time zone is one the portal offers. */
export const isTimeZone = (v: unknown): v is string => typeof v === "string" && ZONES.has(v);

/** Every zone a customer may choose, in order. */
export const TIME_ZONES: readonly string[] = [...ZONES].sort();
