// Whether two rows a query answered hold the same values: the same columns, each the same string,
// number, boolean or null, and any other value (a Date, a parsed JSON column) the same as JSON.

export function sameRow(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    if (!Object.hasOwn(b, k)) return false;
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (x === y) continue;
    if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return false;
    if (JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}
