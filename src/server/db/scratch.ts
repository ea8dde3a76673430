import pg from "pg";

/** A fresh, empty PostgreSQL database on the server of `baseUrl`, for tests and benchmarks. */
export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function adminQuery(baseUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Creates `<prefix>_<unique suffix>` on the server, empty or as a copy of `template`; `drop()`
 * removes it, closing its sessions.
 */
export async function createScratchDatabase(
  baseUrl: string,
  prefix: string,
  opts: { template?: string } = {},
): Promise<ScratchDatabase> {
  if (!NAME.test(prefix)) throw new Error(`invalid database prefix: ${prefix}`);
  if (opts.template !== undefined && !NAME.test(opts.template))
    throw new Error(`invalid template: ${opts.template}`);
  const name = `${prefix}_${Date.now()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const create = `create database ${name}${opts.template ? ` template ${opts.template}` : ""}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery(baseUrl, create);
      break;
    } catch (err) {
      // A template can be copied only while nobody is connected to it; another process's copy
      // holds it for a moment.
      const busy = (err as { code?: string }).code === "55006";
      if (!busy || attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(baseUrl, `drop database if exists ${name} with (force)`),
  };
}
