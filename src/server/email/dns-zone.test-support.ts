import { generateKeyPairSync } from "node:crypto";
import { dkimSign } from "mailauth";
import type { DnsResolver } from "../ports.ts";

// DNS for tests of incoming mail: the records a test publishes (SPF, DKIM keys, DMARC policies)
// and nothing else, since the machine has no DNS. A name can be made to never answer, as a dead
// resolver does.

export class DnsZone {
  readonly #txt = new Map<string, string[]>();
  readonly #silent = new Set<string>();
  /** Every lookup asked, as "name TYPE". */
  readonly asked: string[] = [];

  txt(name: string, value: string): this {
    const key = name.toLowerCase();
    this.#txt.set(key, [...(this.#txt.get(key) ?? []), value]);
    return this;
  }

  /** Lookups of this name and every name under it (any type) never answer. */
  silent(name: string): this {
    this.#silent.add(name.toLowerCase());
    return this;
  }

  readonly resolve: DnsResolver = (name, rrtype) => {
    const key = name.toLowerCase().replace(/\.$/, "");
    this.asked.push(`${key} ${rrtype}`);
    if ([...this.#silent].some((n) => key === n || key.endsWith(`.${n}`))) return new Promise(() => {});
    const values = rrtype === "TXT" ? this.#txt.get(key) : undefined;
    if (values) return Promise.resolve(values.map((v) => [v]));
    const code = this.#txt.has(key) ? "ENODATA" : "ENOTFOUND";
    return Promise.reject(Object.assign(new Error(`query${rrtype} ${code} ${name}`), { code }));
  };
}

/** A DKIM signer for `domain` whose public key the zone publishes under `selector`. */
export function dkimSigner(zone: DnsZone, domain: string, selector = "test") {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  zone.txt(`${selector}._domainkey.${domain}`, `v=DKIM1; k=rsa; p=${key}`);
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return async (raw: string): Promise<string> => {
    // The signer reads signatureData; the type also asks for the first signature at the top.
    const signature = { signingDomain: domain, selector, privateKey: pem };
    const r = await dkimSign(raw, {
      ...signature,
      canonicalization: "relaxed/relaxed",
      signatureData: [signature],
    });
    if (!r.signatures) throw new Error(`could not sign: ${JSON.stringify(r.errors)}`);
    return r.signatures + raw;
  };
}
