// The time zones the server offers (a workspace's clock, a customer's account): the IANA names
// the runtime knows, and UTC.

const ZONES = new Set([...Intl.supportedValuesOf("timeZone"), "UTC"]);

/** Whether a time zone is one the portal offers. */
export const isTimeZone = (v: unknown): v is string => typeof v === "string" && ZONES.has(v);

/** Every zone one may choose, in order. */
export const TIME_ZONES: readonly string[] = [...ZONES].sort();
