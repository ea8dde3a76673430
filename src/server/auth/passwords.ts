import { randomBytes, type ScryptOptions, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { createRequire } from "node:module";
import { AppError, type FieldErrors, validationFailed } from "../errors.ts";

// scrypt from Node's own crypto: memory-hard, no native build. The parameters travel with the
// hash, so the cost can be raised later without locking anyone out.

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize("NFKC"), salt, keylen, opts, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export const PASSWORD_TOO_COMMON =
  "is too common: it is on the lists of leaked passwords that attackers try first. Choose a longer phrase of your own, such as a few unrelated words.";

/**
 * Every password anyone sets (first-run setup, an admin adding an agent, an invitation, the CLI,
 * and customers' own accounts to come) passes here: the field's message, or null when it is fine.
 */
export function checkPassword(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  if (isCommonPassword(password)) return PASSWORD_TOO_COMMON;
  return null;
}

/**
 * The error for a form's field errors: `password_too_common` when a password is among them (its
 * own code, so clients can say so plainly), else `validation_failed`. The fields name every problem.
 */
export function fieldsRefused(fields: FieldErrors): AppError {
  return Object.values(fields).includes(PASSWORD_TOO_COMMON)
    ? new AppError(400, "password_too_common", "That password is too common. Choose another.", { fields })
    : validationFailed(fields);
}

// zxcvbn-ts's list of the passwords found most often in breaches (about 49,000, ranked; MIT),
// read on first use: loading it takes some 80 ms that a process setting no password never pays.
let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  if (!common) {
    const pkg = createRequire(import.meta.url)("@zxcvbn-ts/language-common") as {
      dictionary: { "passwords-common": string[] };
    };
    common = new Set(pkg.dictionary["passwords-common"]);
  }
  return common;
}

/**
 * On the list, or one of its entries dressed up: other letter case, digits or symbols before or
 * after ("Password2024!"), or one or two characters over and over ("aaaaaaaaaa").
 */
function isCommonPassword(password: string): boolean {
  const lower = password.normalize("NFKC").toLowerCase();
  const list = commonPasswords();
  if (list.has(lower)) return true;
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, "");
  if (core.length >= 4 && list.has(core)) return true;
  return new Set(lower).size <= 2;
}

export async function hashPassword(password: string, cost = 15): Promise<string> {
  const N = 2 ** cost;
  const r = 8;
  const p = 1;
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, { N, r, p, maxmem: 256 * N * r });
  return `scrypt$${cost}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, costS, rS, pS, saltS, keyS] = parts as [string, string, string, string, string, string];
  const N = 2 ** Number(costS);
  const r = Number(rS);
  const p = Number(pS);
  const expected = Buffer.from(keyS, "base64url");
  const key = await scrypt(password, Buffer.from(saltS, "base64url"), expected.length, {
    N,
    r,
    p,
    maxmem: 256 * N * r,
  });
  return timingSafeEqual(key, expected);
}

// Verified against when the account does not exist, so a wrong email costs as long as a wrong password.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(cost: number): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"), cost);
  return dummyHash;
}
