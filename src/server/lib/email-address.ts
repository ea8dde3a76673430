// Emails are matched case-insensitively on the whole address, after trimming and Unicode NFC.
// Returns null when the value is not an address we accept.
const EMAIL_RE = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/u;

export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().normalize("NFC").toLowerCase();
  if (email.length > 254 || !EMAIL_RE.test(email)) return null;
  return email;
}
