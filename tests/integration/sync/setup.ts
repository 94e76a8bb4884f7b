/**
 * Shared set-up of the sync tests: a fresh database, the sandbox bank over HTTP with a movable
 * clock, finboard's GoCardless provider pointed at it, and a linked connection.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import { ConnectionStatus, Provider } from "@/generated/prisma/enums";
import type { PrismaClient } from "@/server/db/client";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { startHarness, type Harness } from "@/tests/integration/sandbox/harness";

/** finboard's provider talking to the harness' sandbox (or `baseUrl`) on the harness' clock. */
export function providerFor(
  harness: Harness,
  baseUrl = harness.server.baseUrl,
): GoCardlessProvider {
  return new GoCardlessProvider(
    new GoCardlessClient({
      baseUrl,
      secretId: SANDBOX_SECRET_ID,
      secretKey: SANDBOX_SECRET_KEY,
      now: harness.clock.now,
      sleep: async () => {},
      timeoutMs: 30_000,
    }),
  );
}

/**
 * Starts the sandbox harness (with `options`, then `onStart`) before a test file's tests and closes
 * it after them, dropping every database made through `newDatabase`. Call it at the top of a file.
 */
export function harnessForFile(
  options?: Parameters<typeof startHarness>[0],
  onStart?: (harness: Harness) => void,
): {
  /** The started harness (only inside hooks and tests). */
  harness: () => Harness;
  /** A fresh database, dropped after the file's tests. */
  newDatabase: () => Promise<TestDatabase>;
} {
  let harness: Harness | undefined;
  const databases: TestDatabase[] = [];
  beforeAll(async () => {
    harness = await startHarness(options);
    onStart?.(harness);
  });
  afterAll(async () => {
    await harness?.close();
    for (const database of databases) await database.drop();
  });
  return {
    harness: () => {
      if (!harness) throw new Error("the harness starts in beforeAll");
      return harness;
    },
    newDatabase: async () => {
      const database = await createTestDatabase();
      databases.push(database);
      return database;
    },
  };
}

/** Links an institution at the sandbox and records the LINKED connection in core. */
export async function linkedConnection(
  db: PrismaClient,
  harness: Harness,
  institutionId = "SANDBOXFINANCE_SFIN0000",
): Promise<{ connectionId: string; requisitionId: string; accounts: string[] }> {
  const linked = await harness.link(institutionId);
  const institution = await db.institution.upsert({
    where: {
      provider_providerInstitutionId: {
        provider: Provider.GOCARDLESS,
        providerInstitutionId: institutionId,
      },
    },
    create: {
      provider: Provider.GOCARDLESS,
      providerInstitutionId: institutionId,
      name: institutionId,
      countries: ["GB"],
      transactionTotalDays: 90,
      maxAccessValidForDays: 90,
    },
    update: {},
  });
  const connection = await db.connection.create({
    data: {
      provider: Provider.GOCARDLESS,
      institutionId: institution.id,
      status: ConnectionStatus.LINKED,
      reference: linked.requisition.reference as string,
      providerReference: linked.requisition.id as string,
    },
  });
  return {
    connectionId: connection.id,
    requisitionId: linked.requisition.id as string,
    accounts: linked.accounts,
  };
}

export { DATA_TABLES, rowsWrittenSince, writeMarker } from "@/tests/helpers/rows-written";

/** One request as the logging proxy saw it. */
export interface LoggedRequest {
  method: string;
  /** Path below `/api/v2`, e.g. `/accounts/<id>/transactions/`. */
  path: string;
  status: number;
}

/**
 * A real HTTP proxy in front of the sandbox that logs every API request and its status: the
 * tests count the calls the bank saw (and the refused ones) from outside finboard's code.
 */
export async function startLoggingProxy(
  target: string,
  /** Changes a successful answer's body on its way back (`path` as logged). */
  rewrite?: (path: string, body: Buffer) => Buffer,
): Promise<{ baseUrl: string; log: LoggedRequest[]; close(): Promise<void> }> {
  const log: LoggedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string" && name !== "host" && name !== "content-length") {
          headers[name] = value;
        }
      }
      fetch(`${target}${req.url ?? "/"}`, {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
      })
        .then(async (response) => {
          const path = (req.url ?? "/").replace(/^\/api\/v2/, "").replace(/\?.*$/, "");
          const answer = Buffer.from(await response.arrayBuffer());
          const text = rewrite && response.ok ? rewrite(path, answer) : answer;
          log.push({ method: req.method ?? "GET", path, status: response.status });
          const out: Record<string, string> = {};
          response.headers.forEach((value, name) => {
            if (name !== "content-encoding" && name !== "content-length") out[name] = value;
          });
          res.writeHead(response.status, out);
          res.end(text);
        })
        .catch((error: unknown) => {
          res.writeHead(502);
          res.end(String(error));
        });
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v2`,
    log,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Counts of successful and refused calls per account and scope in a proxy log. */
export function callsPerAccountScope(log: readonly LoggedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of log) {
    const match = /^\/accounts\/([^/]+)\/(details|balances|transactions)\/$/.exec(entry.path);
    if (!match) continue;
    const key = `${match[1]}:${match[2]}:${entry.status === 200 ? "ok" : entry.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
