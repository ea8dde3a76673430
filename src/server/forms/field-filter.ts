// The queue's filter by a request's extra field, written "key:value" (the value may hold colons).

export function fieldFilterOf(raw: string): { key: string; value: string } | undefined {
  const at = raw.indexOf(":");
  if (at <= 0) return undefined;
  const key = raw.slice(0, at).trim();
  const value = raw.slice(at + 1).trim();
  return key && value ? { key: key.slice(0, 64), value: value.slice(0, 2000) } : undefined;
}
