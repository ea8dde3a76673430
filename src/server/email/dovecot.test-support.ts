import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { freePort, startDaemon } from "../test/daemon.ts";

// A throwaway Dovecot for tests: its own config, mail, sockets and log in a temp dir, listening
// on a free loopback port, plaintext login (no TLS) for one test user. Nothing of the system's
// /etc/dovecot is read (`-c` our file, which includes nothing).

export const DOVECOT = process.env.DOVECOT_PATH ?? "/usr/sbin/dovecot";
export const hasDovecot = fs.existsSync(DOVECOT);
export const NO_DOVECOT = "Dovecot not installed (apt-get install dovecot-imapd): IMAP tests skipped";

export interface TestDovecot {
  /** imap://user:pass@127.0.0.1:port/INBOX */
  url: string;
  host: string;
  port: number;
  user: string;
  pass: string;
  /** Puts a message in the mailbox (unseen unless flags say otherwise); resolves to its UID. */
  appendRaw(raw: Buffer | string, flags?: string[], mailbox?: string): Promise<number>;
  /** The same, for one session: many messages on one connection; resolves to their UIDs. */
  appendMany(raws: (Buffer | string)[], mailbox?: string): Promise<number[]>;
  /** The URL for another mailbox of the same user. */
  urlFor(mailbox: string): string;
  /** UID → whether it carries \Seen, for every message in the mailbox. */
  seenFlags(mailbox?: string): Promise<Map<number, boolean>>;
  isSeen(uid: number, mailbox?: string): Promise<boolean>;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function passwdUser(name: string): { uid: number; gid: number } | undefined {
  const line = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Starts Dovecot and waits until its IMAP port accepts; null when Dovecot is not installed. */
export async function startDovecot(): Promise<TestDovecot | null> {
  if (!hasDovecot) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-dovecot-"));
  const user = "support@example.test";
  const pass = "s3cret pä55/%@#?"; // no ":" (the passwd-file separator)
  const port = await freePort();

  // As root, Dovecot's own processes and the mail owner must be unprivileged users (it refuses
  // to keep mail as uid 0). As anyone else, everything runs as that user.
  let internalUser: string;
  let loginUser: string;
  let mail: { uid: number; gid: number };
  if (process.getuid?.() === 0) {
    internalUser = passwdUser("dovecot") ? "dovecot" : "nobody";
    loginUser = passwdUser("dovenull") ? "dovenull" : "nobody";
    mail = passwdUser("nobody") ?? { uid: 65534, gid: 65534 };
  } else {
    const me = os.userInfo();
    internalUser = me.username;
    loginUser = me.username;
    mail = { uid: me.uid, gid: me.gid };
  }
  // Login processes (another user) must reach the sockets under base_dir.
  fs.chmodSync(dir, 0o755);
  const mailDir = path.join(dir, "mail");
  fs.mkdirSync(mailDir);
  fs.chownSync(mailDir, mail.uid, mail.gid);
  fs.writeFileSync(path.join(dir, "passwd"), `${user}:{PLAIN}${pass}::::::\n`, { mode: 0o644 });

  const conf = `# Portico test instance
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# No pause after a failed login: the wrong-password tests would wait seconds per attempt.
auth_failure_delay = 0
default_internal_user = ${internalUser}
default_login_user = ${loginUser}
first_valid_uid = ${Math.min(mail.uid, 500)}
first_valid_gid = ${Math.min(mail.gid, 500)}
mail_location = maildir:${mailDir}/%u
mail_uid = ${mail.uid}
mail_gid = ${mail.gid}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${mail.uid} gid=${mail.gid} home=${mailDir}/%u
}
# Nor the growing per-address penalty after repeated failures (2, 4, 8 … 15 s).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
  const confPath = path.join(dir, "dovecot.conf");
  fs.writeFileSync(confPath, conf);

  const { stop } = await startDaemon({
    name: "Dovecot",
    command: DOVECOT,
    args: ["-F", "-c", confPath],
    dir,
    port,
    ready: () => accepts(port),
    timeoutMs: 15_000,
    pollMs: 50,
    logFile: path.join(dir, "dovecot.log"),
  });

  const withClient = async <T>(fn: (client: ImapFlow) => Promise<T>): Promise<T> => {
    const client = new ImapFlow({
      host: "127.0.0.1",
      port,
      secure: false,
      auth: { user, pass },
      logger: false,
      disableAutoIdle: true,
    });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  };

  const seenFlags = (mailbox = "INBOX") =>
    withClient(async (client) => {
      const lock = await client.getMailboxLock(mailbox);
      try {
        const flags = new Map<number, boolean>();
        if (client.mailbox && client.mailbox.exists === 0) return flags;
        for await (const msg of client.fetch("1:*", { uid: true, flags: true }, { uid: true })) {
          flags.set(msg.uid, msg.flags?.has("\\Seen") ?? false);
        }
        return flags;
      } finally {
        lock.release();
      }
    });

  const append = async (client: ImapFlow, raws: (Buffer | string)[], flags: string[], mailbox: string) => {
    if (mailbox !== "INBOX" && !(await client.list()).some((m) => m.path === mailbox)) {
      await client.mailboxCreate(mailbox);
    }
    const uids: number[] = [];
    for (const raw of raws) {
      const res = await client.append(mailbox, typeof raw === "string" ? Buffer.from(raw) : raw, flags);
      if (res === false || !res.uid) throw new Error("APPEND gave no UID");
      uids.push(res.uid);
    }
    return uids;
  };

  const url = `imap://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}/INBOX`;
  return {
    url,
    host: "127.0.0.1",
    port,
    user,
    pass,
    appendRaw: async (raw, flags = [], mailbox = "INBOX") =>
      withClient(async (client) => (await append(client, [raw], flags, mailbox))[0] as number),
    appendMany: (raws, mailbox = "INBOX") => withClient((client) => append(client, raws, [], mailbox)),
    urlFor: (mailbox) => url.replace(/INBOX$/, encodeURIComponent(mailbox)),
    seenFlags,
    isSeen: async (uid, mailbox) => {
      const seen = (await seenFlags(mailbox)).get(uid);
      if (seen === undefined) throw new Error(`no message with UID ${uid}`);
      return seen;
    },
    stop,
  };
}
