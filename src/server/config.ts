import path from "node:path";
import { type CacheMemory, splitCacheMemory } from "./lib/cache-memory.ts";
import { type ClamdAddress, parseClamdUrl } from "./lib/clamav-url.ts";
import { normalizeEmail } from "./lib/email-address.ts";
import { parseKey } from "./lib/encryption-key.ts";
import { parseImapUrl } from "./lib/imap-url.ts";

// The only reader of process.env. Everything is checked here, once, at boot.

export interface Config {
  /** HTTP port. */
  port: number;
  /** Address to listen on. */
  host: string;
  /** Folder for the embedded database and, later, files and mail. */
  dataDir: string;
  /** postgres://… to run on PostgreSQL; unset for the embedded SQLite file in dataDir. */
  databaseUrl: string | undefined;
  /** How long start-up waits for an unreachable database before it gives up (0: not at all). */
  databaseWaitSeconds: number;
  /** PostgreSQL: the connections each process keeps at most (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  /** redis://… to share rate limits between processes; unset keeps them in memory. */
  redisUrl: string | undefined;
  /** Proxies whose X-Forwarded-For is trusted: "loopback", a list of addresses/CIDRs, or a hop count. */
  trustProxy: boolean | string | string[] | number;
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  logLevel: string;
  /** Public base URL used in links we hand out (tracking URLs); derived from the request when unset. */
  publicUrl: string | undefined;
  /**
   * Custom domains' HTTP check (workspaces/domain-check.ts): whether it may reach an internal
   * address (DOMAIN_CHECK_ALLOW_INTERNAL, off: a domain resolving to a private or loopback address
   * is refused), and the port it asks on (DOMAIN_CHECK_HTTP_PORT, 80; another only for local use).
   */
  domainCheck: { allowInternal: boolean; httpPort: number };
  /** Portal submissions allowed per client address per hour. */
  submitRateLimitPerHour: number;
  /** Customer replies allowed on one ticket per hour, from the portal (tracking page, signed-in portal). */
  replyRateLimitPerTicketPerHour: number;
  /** Customer replies allowed from one client address per hour, over all tickets. */
  replyRateLimitPerAddressPerHour: number;
  /** Requests per minute one API key may make (API_KEY_RATE_LIMIT_PER_MINUTE). */
  apiKeyRateLimitPerMinute: number;
  /** Failed sign-ins allowed per account from one client address, in 15 minutes. */
  loginFailuresPerClient: number;
  /** Failed sign-ins allowed per account from all addresses together, in an hour (then only clients without failures are heard). */
  loginFailuresPerAccount: number;
  /** Failed sign-ins allowed per client address over all accounts, in 15 minutes. */
  loginFailuresPerAddress: number;
  /** Mark the session cookies Secure and give them the __Host- prefix (set when served over HTTPS). */
  cookieSecure: boolean;
  /** Served over HTTPS (PUBLIC_URL is https, or COOKIE_SECURE): answers carry HSTS and COOP. */
  servedOverHttps: boolean;
  /** Agent session lifetime in hours. */
  sessionTtlHours: number;
  /** scrypt cost exponent (N = 2^cost). */
  passwordHashCost: number;
  /** Files: the 32-byte key from FILE_ENCRYPTION_KEY; unset generates DATA_DIR/file-encryption.key. */
  fileEncryptionKey: Buffer | undefined;
  /** Files: an S3-compatible store when S3_BUCKET is set; unset keeps them in DATA_DIR/files. */
  s3: S3Settings | undefined;
  /** Public uploads allowed per client address in 10 minutes. */
  uploadRateLimit: number;
  /** Files: scan every upload with ClamAV's clamd (CLAMAV_URL); unset scans nothing. */
  clamav: ClamAvSettings | undefined;
  /** Outgoing mail: smtp:// or smtps:// URL of the relay; unset writes .eml files to DATA_DIR/mail. */
  smtpUrl: string | undefined;
  /** The From address of every email (the workspace's brand name is its display name). */
  mailFrom: string;
  /** Incoming mail: the port of the built-in SMTP listener; unset leaves it off. */
  inboundSmtpPort: number | undefined;
  /** Address the SMTP listener binds to. */
  inboundSmtpHost: string;
  /** Mail to {slug}@ this domain (and {slug}+…@) reaches that workspace, beside its support email. */
  inboundEmailDomain: string | undefined;
  /** New tickets and replies one sender may start by email per hour, per workspace. */
  inboundPerSenderPerHour: number;
  /**
   * The authserv-id of a receiving mail server whose Authentication-Results header is believed
   * instead of checking SPF, DKIM and DMARC here; unset checks them here, over DNS.
   */
  inboundTrustedAuthservId: string | undefined;
  /** The longest the sender check of one incoming message may take; then it counts as not verified. */
  inboundAuthTimeoutMs: number;
  /** Acknowledgements one unverified address may receive per workspace per hour; more are not sent. */
  unverifiedRecipientEmailsPerHour: number;
  /** Whether this process delivers the outbox; off in processes that should only answer requests. */
  mailWorker: boolean;
  /** imap://user:pass@host:port/MAILBOX (or imaps://) of a support mailbox to poll; unset polls none. */
  imapUrl: string | undefined;
  /** Seconds between two polls of that mailbox. */
  imapPollSeconds: number;
  /** The slug of the workspace whose mailbox IMAP_URL is. */
  imapWorkspace: string | undefined;
  /** HTTP limits on slow clients, uploads at once and the shutdown (http/shared/http-limits.ts). */
  http: HttpLimits;
  /** CACHE_MEMORY_MB and its parts: each SQLite connection's page cache, the read caches (lib/cache-memory.ts). */
  cacheMemoryMb: CacheMemory["cacheMemoryMb"];
  sqliteCacheMb: CacheMemory["sqliteCacheMb"];
  readCacheMb: CacheMemory["readCacheMb"];
  /** /metrics on the main port answers a request carrying `Authorization: Bearer <this>`; unset: 404. */
  metricsToken: string | undefined;
  /** A second listener serving /metrics only, without a token; unset: none. */
  metricsPort: number | undefined;
  /** Address that listener binds to (a private one). */
  metricsHost: string;
  /**
   * Internal addresses webhooks may still reach (WEBHOOK_ALLOW_PRIVATE_TARGETS): host names, IP
   * addresses or CIDR ranges, comma-separated. Empty (the default): every internal address is
   * refused.
   */
  webhookAllowPrivateTargets: string[];
}

export interface HttpLimits {
  /** A request's headers must have arrived within this. */
  headersTimeoutMs: number;
  /** A request's body must have arrived within this, plus the time `bodyMinBytesPerSecond` allows for what came. */
  requestTimeoutMs: number;
  /** Each byte of body received extends the request's time by 1/this seconds; 0: a flat timeout. */
  bodyMinBytesPerSecond: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A connection silent both ways for this long is closed. */
  idleTimeoutMs: number;
  /** Uploads this process takes at once; more are refused with 503 uploads_busy. */
  maxConcurrentUploads: number;
  /** On SIGTERM/SIGINT, how long in-flight requests may still take before their connections are closed. */
  shutdownGraceMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no", "off"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(" or ")}`);
  }
  return raw;
}

function trustProxy(raw: string | undefined): Config["trustProxy"] {
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const list = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length === 1 ? (list[0] as string) : list;
}

export function loadConfig(env: Env = process.env): Config {
  const level = env.LOG_LEVEL ?? "info";
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(level)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  const publicUrl = url(env, "PUBLIC_URL", ["http:", "https:"]);
  const cookieSecure = bool(env, "COOKIE_SECURE", publicUrl?.startsWith("https:") ?? false);
  return {
    port: int(env, "PORT", 3000, 0, 65535),
    host: env.HOST || "0.0.0.0",
    dataDir: path.resolve(env.DATA_DIR || "./data"),
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    databaseWaitSeconds: int(env, "DATABASE_WAIT_SECONDS", 60, 0, 86_400),
    databasePoolSize: int(env, "DATABASE_POOL_SIZE", 10, 1, 1000),
    redisUrl: url(env, "REDIS_URL", ["redis:", "rediss:"]),
    trustProxy: trustProxy(env.TRUST_PROXY),
    logLevel: level,
    publicUrl: publicUrl?.replace(/\/+$/, ""),
    domainCheck: {
      allowInternal: bool(env, "DOMAIN_CHECK_ALLOW_INTERNAL", false),
      httpPort: int(env, "DOMAIN_CHECK_HTTP_PORT", 80, 1, 65535),
    },
    submitRateLimitPerHour: int(env, "SUBMIT_RATE_LIMIT_PER_HOUR", 10, 1, 1_000_000_000),
    replyRateLimitPerTicketPerHour: int(env, "REPLY_RATE_LIMIT_PER_TICKET_PER_HOUR", 30, 1, 1_000_000_000),
    replyRateLimitPerAddressPerHour: int(env, "REPLY_RATE_LIMIT_PER_ADDRESS_PER_HOUR", 60, 1, 1_000_000_000),
    apiKeyRateLimitPerMinute: int(env, "API_KEY_RATE_LIMIT_PER_MINUTE", 600, 1, 1_000_000_000),
    loginFailuresPerClient: int(env, "LOGIN_FAILURES_PER_CLIENT", 10, 1, 10_000),
    loginFailuresPerAccount: int(env, "LOGIN_FAILURES_PER_ACCOUNT", 100, 1, 100_000),
    loginFailuresPerAddress: int(env, "LOGIN_FAILURES_PER_ADDRESS", 50, 1, 100_000),
    cookieSecure,
    servedOverHttps: publicUrl?.startsWith("https:") === true || cookieSecure,
    sessionTtlHours: int(env, "SESSION_TTL_HOURS", 24 * 14, 1, 24 * 365),
    passwordHashCost: int(env, "PASSWORD_HASH_COST", 15, 10, 20),
    ...fileConfig(env),
    clamav: clamavConfig(env),
    ...mailConfig(env, publicUrl),
    imapUrl: imapUrl(env),
    imapPollSeconds: int(env, "IMAP_POLL_SECONDS", 60, 10, 3600),
    imapWorkspace: imapWorkspace(env),
    http: httpLimits(env),
    ...splitCacheMemory(
      int(env, "CACHE_MEMORY_MB", 80, 8, 65536),
      env.SQLITE_CACHE_MB ? int(env, "SQLITE_CACHE_MB", 32, 1, 4096) : undefined,
    ),
    ...metricsConfig(env),
    webhookAllowPrivateTargets: (env.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? "")
      .split(",")
      .map((v) => v.trim().toLowerCase())
      .filter((v) => v !== ""),
  };
}

function httpLimits(env: Env): HttpLimits {
  return {
    headersTimeoutMs: int(env, "HTTP_HEADERS_TIMEOUT_SECONDS", 15, 1, 600) * 1000,
    requestTimeoutMs: int(env, "HTTP_REQUEST_TIMEOUT_SECONDS", 60, 1, 3600) * 1000,
    bodyMinBytesPerSecond: int(env, "HTTP_BODY_MIN_KB_PER_SECOND", 8, 0, 1_000_000) * 1024,
    keepAliveTimeoutMs: int(env, "HTTP_KEEP_ALIVE_TIMEOUT_SECONDS", 72, 1, 3600) * 1000,
    idleTimeoutMs: int(env, "HTTP_IDLE_TIMEOUT_SECONDS", 120, 1, 3600) * 1000,
    maxConcurrentUploads: int(env, "MAX_CONCURRENT_UPLOADS", 32, 1, 100_000),
    shutdownGraceMs: int(env, "SHUTDOWN_GRACE_SECONDS", 10, 0, 3600) * 1000,
  };
}

function metricsConfig(env: Env): Pick<Config, "metricsToken" | "metricsPort" | "metricsHost"> {
  const token = env.METRICS_TOKEN || undefined;
  if (token !== undefined && !/^[\x21-\x7e]{16,512}$/.test(token)) {
    throw new ConfigError("METRICS_TOKEN must be 16 to 512 printable characters without spaces");
  }
  return {
    metricsToken: token,
    metricsPort: env.METRICS_PORT ? int(env, "METRICS_PORT", 0, 0, 65535) : undefined,
    metricsHost: env.METRICS_HOST || "127.0.0.1",
  };
}

const MAIL_DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

function mailConfig(
  env: Env,
  publicUrl: string | undefined,
): Pick<
  Config,
  | "smtpUrl"
  | "mailFrom"
  | "inboundSmtpPort"
  | "inboundSmtpHost"
  | "inboundEmailDomain"
  | "inboundPerSenderPerHour"
  | "inboundTrustedAuthservId"
  | "inboundAuthTimeoutMs"
  | "unverifiedRecipientEmailsPerHour"
  | "mailWorker"
> {
  const host = publicUrl ? new URL(publicUrl).hostname : "portico.localhost";
  const mailFrom = env.MAIL_FROM || `portico@${host.includes(".") ? host : `${host}.localhost`}`;
  if (!normalizeEmail(mailFrom))
    throw new ConfigError(`MAIL_FROM must be an email address, got "${mailFrom}"`);
  const domain = env.INBOUND_EMAIL_DOMAIN || undefined;
  if (domain && !MAIL_DOMAIN.test(domain)) {
    throw new ConfigError(
      `INBOUND_EMAIL_DOMAIN must be a domain name like support.example.com, got "${domain}"`,
    );
  }
  const port = env.INBOUND_SMTP_PORT ? int(env, "INBOUND_SMTP_PORT", 0, 0, 65535) : undefined;
  // A host name, as mail servers name themselves in the header (mx.google.com, mx.example.com).
  const authserv = env.INBOUND_TRUSTED_AUTHSERV_ID || undefined;
  if (authserv && !MAIL_DOMAIN.test(authserv)) {
    throw new ConfigError(
      `INBOUND_TRUSTED_AUTHSERV_ID must be the host name your mail server writes in Authentication-Results, like mx.example.com, got "${authserv}"`,
    );
  }
  return {
    smtpUrl: url(env, "SMTP_URL", ["smtp:", "smtps:"]),
    mailFrom,
    inboundSmtpPort: port,
    inboundSmtpHost: env.INBOUND_SMTP_HOST || env.HOST || "0.0.0.0",
    inboundEmailDomain: domain?.toLowerCase(),
    inboundPerSenderPerHour: int(env, "INBOUND_PER_SENDER_PER_HOUR", 20, 1, 100_000),
    inboundTrustedAuthservId: authserv?.toLowerCase(),
    inboundAuthTimeoutMs: int(env, "INBOUND_AUTH_TIMEOUT_MS", 10_000, 100, 120_000),
    unverifiedRecipientEmailsPerHour: int(env, "UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR", 3, 1, 1_000_000_000),
    mailWorker: bool(env, "MAIL_WORKER", true),
  };
}

function imapWorkspace(env: Env): string | undefined {
  const slug = env.IMAP_WORKSPACE || undefined;
  if (env.IMAP_URL && !slug)
    throw new ConfigError("IMAP_WORKSPACE (a workspace slug) is needed with IMAP_URL");
  if (slug && !/^[a-z0-9-]{1,40}$/.test(slug))
    throw new ConfigError(`IMAP_WORKSPACE must be a workspace slug, got "${slug}"`);
  return slug;
}

function imapUrl(env: Env): string | undefined {
  const raw = env.IMAP_URL;
  if (raw === undefined || raw === "") return undefined;
  try {
    parseImapUrl(raw);
  } catch (err) {
    // The parser's messages never repeat the URL, so no password ends up in the boot error.
    throw new ConfigError(`IMAP_URL: ${(err as Error).message}`);
  }
  return raw;
}

function fileConfig(env: Env): Pick<Config, "fileEncryptionKey" | "s3" | "uploadRateLimit"> {
  let fileEncryptionKey: Buffer | undefined;
  if (env.FILE_ENCRYPTION_KEY) {
    const key = parseKey(env.FILE_ENCRYPTION_KEY);
    if (!key) throw new ConfigError("FILE_ENCRYPTION_KEY must be 32 bytes: 64 hex characters or base64");
    fileEncryptionKey = key;
  }
  const endpoint = url(env, "S3_ENDPOINT", ["http:", "https:"]);
  const bucket = env.S3_BUCKET || undefined;
  if (!bucket && (endpoint || env.S3_ACCESS_KEY_ID)) {
    throw new ConfigError("S3_BUCKET is needed when S3_ENDPOINT or S3_ACCESS_KEY_ID is set");
  }
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together");
  }
  const prefix = env.S3_PREFIX ?? "";
  if (!/^[A-Za-z0-9._/-]{0,200}$/.test(prefix)) {
    throw new ConfigError("S3_PREFIX may hold letters, digits, . _ / - only");
  }
  return {
    fileEncryptionKey,
    s3: bucket
      ? {
          endpoint,
          bucket,
          region: env.S3_REGION || "us-east-1",
          accessKeyId: env.S3_ACCESS_KEY_ID || undefined,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
          // Local servers (MinIO, Garage …) want path-style addressing; AWS takes either.
          forcePathStyle: bool(env, "S3_FORCE_PATH_STYLE", Boolean(endpoint)),
          prefix,
        }
      : undefined,
    uploadRateLimit: int(env, "UPLOAD_RATE_LIMIT", 5, 1, 1_000_000_000),
  };
}

export interface ClamAvSettings {
  /** CLAMAV_URL as given, for the logs. */
  url: string;
  address: ClamdAddress;
  /** When clamd cannot answer: refuse the upload (the default), or accept it marked as not scanned. */
  onError: "refuse" | "accept";
  /** How long one scan may take, connecting included. */
  timeoutMs: number;
}

function clamavConfig(env: Env): ClamAvSettings | undefined {
  const url = env.CLAMAV_URL || undefined;
  const onError = env.CLAMAV_ON_ERROR || undefined;
  if (!url) {
    if (onError || env.CLAMAV_TIMEOUT_SECONDS) {
      throw new ConfigError("CLAMAV_ON_ERROR and CLAMAV_TIMEOUT_SECONDS need CLAMAV_URL");
    }
    return undefined;
  }
  let address: ClamdAddress;
  try {
    address = parseClamdUrl(url);
  } catch (err) {
    throw new ConfigError(`CLAMAV_URL ${(err as Error).message}`);
  }
  if (onError !== undefined && onError !== "refuse" && onError !== "accept") {
    throw new ConfigError(`CLAMAV_ON_ERROR must be refuse or accept, got "${onError}"`);
  }
  return {
    url,
    address,
    onError: onError ?? "refuse",
    timeoutMs: int(env, "CLAMAV_TIMEOUT_SECONDS", 30, 1, 600) * 1000,
  };
}

export interface S3Settings {
  endpoint: string | undefined;
  bucket: string;
  region: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
  prefix: string;
}
