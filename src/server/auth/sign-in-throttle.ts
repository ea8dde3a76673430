import type { AppContext } from "../context.ts";
import { tooManyRequests } from "../errors.ts";

// Failed sign-ins are counted three ways, so that guessing is slow and nobody can lock a user out
// from elsewhere:
// - per account AND client address (LOGIN_FAILURES_PER_CLIENT in 15 minutes): the client that
//   keeps failing is stopped, and only it;
// - per client address over all accounts (LOGIN_FAILURES_PER_ADDRESS in 15 minutes): one
//   address trying many accounts;
// - per account over all addresses (LOGIN_FAILURES_PER_ACCOUNT in an hour): many addresses
//   trying one account. Past it, only clients with no failure on that account in their window
//   are still heard: each attacking address gets one guess per 15 minutes, while the owner,
//   who has not been failing, still signs in with the right password.
// A success clears its own client's count, never the others'. Addresses count by addressBucket
// (an IPv6 client by its /64).

const CLIENT_WINDOW_MS = 15 * 60_000;
const ADDRESS_WINDOW_MS = 15 * 60_000;
const ACCOUNT_WINDOW_MS = 60 * 60_000;

export interface SignInThrottle {
  /** Throws 429 rate_limited when this attempt may not even be checked. */
  check(): Promise<void>;
  failed(): Promise<void>;
  succeeded(): Promise<void>;
}

export function signInThrottle(
  ctx: AppContext,
  who: {
    /** The account tried, one string for every spelling of it: `agent:["{slug}","{normalised email}"]`. */
    account: string;
    /** The client's addressBucket. */
    address: string;
  },
): SignInThrottle {
  const { limiter, config } = ctx;
  // The address first: it never contains "|", so two different pairs never share a key.
  const clientKey = `login:client:${who.address}|${who.account}`;
  const addressKey = `login:address:${who.address}`;
  const accountKey = `login:account:${who.account}`;
  const refuse = (retryAfterSeconds: number) =>
    tooManyRequests("Too many failed sign-ins. Wait a few minutes and try again.", retryAfterSeconds);
  return {
    async check() {
      const client = await limiter.peek(clientKey, config.loginFailuresPerClient, CLIENT_WINDOW_MS);
      if (!client.allowed) throw refuse(client.retryAfterSeconds);
      const address = await limiter.peek(addressKey, config.loginFailuresPerAddress, ADDRESS_WINDOW_MS);
      if (!address.allowed) throw refuse(address.retryAfterSeconds);
      const account = await limiter.peek(accountKey, config.loginFailuresPerAccount, ACCOUNT_WINDOW_MS);
      if (account.allowed) return;
      // The account is under attack from many addresses: a client that has failed on it lately
      // waits for its own failures to age out; one that has not is heard.
      const clean = await limiter.peek(clientKey, 1, CLIENT_WINDOW_MS);
      if (!clean.allowed) throw refuse(clean.retryAfterSeconds);
    },
    async failed() {
      await limiter.hit(clientKey, CLIENT_WINDOW_MS);
      await limiter.hit(addressKey, ADDRESS_WINDOW_MS);
      await limiter.hit(accountKey, ACCOUNT_WINDOW_MS);
    },
    async succeeded() {
      await limiter.reset(clientKey);
    },
  };
}
