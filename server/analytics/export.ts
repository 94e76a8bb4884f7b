/**
 * The analytics data path on the server: each source of analytics/sources.ts streamed from
 * PostgreSQL as Arrow IPC (`GET /api/analytics/<source>`), and a cheap data version
 * (`GET /api/analytics/version`, and every source's ETag) so the browser can tell whether the
 * marts it built last time are still current.
 *
 * A source is read through a server-side cursor in a REPEATABLE READ transaction, one batch of
 * rows at a time, and each batch is encoded and sent before the next is read: memory stays flat
 * whatever the number of rows. Nothing is compressed on the fly (measured slower than sending on
 * a LAN; `no-transform` keeps Next's compression off it).
 */
import type { Session } from "next-auth";
import { RecordBatchStreamWriter, type RecordBatch, type Schema } from "apache-arrow";
import { encodeSourceBatch, sourceSchema, type SourceRow } from "@/analytics/arrow";
import { findSource, SOURCES, type SourceDeclaration } from "@/analytics/sources";
import type { Db, PrismaClient } from "@/server/db/client";

/** Rows read from the cursor, encoded and sent per Arrow record batch. */
export const ANALYTICS_BATCH_SIZE = 65_536;

/** The media type of an Arrow IPC stream. */
export const ARROW_STREAM_TYPE = "application/vnd.apache.arrow.stream";

/** How long one export may keep its transaction open (a very slow client). */
const EXPORT_TIMEOUT_MS = 10 * 60_000;

/** The tables the sources read; a change to any of them changes the data version. */
const VERSIONED_TABLES = [
  "core.institution",
  "core.connection",
  "core.account",
  "core.balance",
  "core.transaction",
] as const;

/**
 * The data version: a hash over each source table's row count, latest `updated_at` and newest
 * row version (`xmin`, so a write that committed late with an older `updated_at` still counts).
 * One scan of each table; no schema of its own. Equal versions mean the sources would stream
 * the same rows.
 */
export async function dataVersion(db: Db): Promise<string> {
  const parts = VERSIONED_TABLES.map(
    (table) =>
      `(SELECT concat_ws(':', count(*), max(updated_at), max(xmin::text::bigint)) FROM ${table})`,
  );
  const rows = await db.$queryRawUnsafe<{ version: string }[]>(
    `SELECT md5(concat_ws('|', ${parts.join(", ")})) AS version`,
  );
  return rows[0]!.version.slice(0, 20);
}

/** The ETag of a data version (a strong validator: the bytes are the same for one version). */
export function versionEtag(version: string): string {
  return `"${version}"`;
}

/** True when an `If-None-Match` header names this ETag (or is `*`). */
export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === etag || tag === "*");
}

/** The 8 bytes that end an Arrow IPC stream (continuation marker, zero length). */
const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/**
 * Serialises one schema's messages piecewise: the schema message once, then each record batch
 * as its own bytes, then the end-of-stream marker. The batch bytes are cut from a one-batch
 * stream by the known length of the schema message, which is checked to match byte for byte.
 */
export class IpcStreamEncoder {
  /** The stream's first bytes: the schema message. */
  readonly header: Uint8Array;
  /** The stream's last bytes. */
  readonly footer = END_OF_STREAM;

  constructor(schema: Schema) {
    const writer = new RecordBatchStreamWriter();
    writer.reset(undefined, schema);
    writer.finish();
    const empty = writer.toUint8Array(true);
    this.header = empty.slice(0, empty.length - END_OF_STREAM.length);
  }

  /** The record batch message (metadata and body) of one batch of this schema. */
  batch(batch: RecordBatch): Uint8Array {
    const whole = RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
    const head = whole.subarray(0, this.header.length);
    if (!head.every((byte, index) => byte === this.header[index])) {
      throw new Error("Arrow batch written with a different schema than the stream's");
    }
    return whole.slice(this.header.length, whole.length - END_OF_STREAM.length);
  }
}

/** Thrown inside the export transaction when the client went away: it rolls back and stops. */
class ExportCancelled extends Error {}

/**
 * Calls `onBatch` with each batch of the source's rows (at most `batchSize`), read through a
 * cursor over the source's SELECT. Must run in a transaction (a cursor lives in one); the
 * caller owns it. Returns the number of rows read.
 */
export async function forEachSourceBatch(
  tx: Db,
  source: SourceDeclaration,
  batchSize: number,
  onBatch: (rows: SourceRow[], firstRow: number) => Promise<void>,
): Promise<number> {
  await tx.$executeRawUnsafe(`DECLARE analytics_export NO SCROLL CURSOR FOR ${source.select}`);
  let total = 0;
  for (;;) {
    const rows = await tx.$queryRawUnsafe<SourceRow[]>(
      `FETCH FORWARD ${Math.trunc(batchSize)} FROM analytics_export`,
    );
    if (rows.length > 0) await onBatch(rows, total);
    total += rows.length;
    if (rows.length < batchSize) break;
  }
  await tx.$executeRawUnsafe("CLOSE analytics_export");
  return total;
}

/**
 * The source as an Arrow IPC byte stream: the schema, one record batch per `batchSize` rows
 * (read only when the client is ready for more), and the end marker. All rows come from one
 * REPEATABLE READ snapshot. If the client goes away the transaction rolls back; a database
 * error mid-way breaks the stream off rather than ending it as if complete.
 */
export function sourceIpcStream(
  db: PrismaClient,
  source: SourceDeclaration,
  batchSize: number = ANALYTICS_BATCH_SIZE,
): ReadableStream<Uint8Array> {
  const encoder = new IpcStreamEncoder(sourceSchema(source));
  let cancelled = false;
  let wake: () => void = () => {};
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const demand = async () => {
          // Backpressure: wait until the client has taken what was sent.
          while (!cancelled && (controller.desiredSize ?? 1) <= 0) {
            await new Promise<void>((resolve) => (wake = resolve));
          }
          if (cancelled) throw new ExportCancelled();
        };
        controller.enqueue(encoder.header);
        void db
          .$transaction(
            (tx) =>
              forEachSourceBatch(tx, source, batchSize, async (rows, firstRow) => {
                await demand();
                controller.enqueue(encoder.batch(encodeSourceBatch(source, rows, firstRow)));
              }),
            { isolationLevel: "RepeatableRead", timeout: EXPORT_TIMEOUT_MS, maxWait: 10_000 },
          )
          .then(
            () => {
              if (cancelled) return;
              controller.enqueue(encoder.footer);
              controller.close();
            },
            (error: unknown) => {
              if (cancelled) return;
              console.error(`[analytics] export of ${source.name} failed:`, error);
              controller.error(error);
            },
          );
      },
      pull() {
        wake();
      },
      cancel() {
        cancelled = true;
        wake();
      },
    },
    { highWaterMark: 2 },
  );
}

function plain(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

/** What the route handlers need: the session and the database (injected for tests). */
export interface AnalyticsRouteDeps {
  session: () => Promise<Session | null>;
  db: () => PrismaClient;
  batchSize?: number;
}

/**
 * Answers `GET /api/analytics/<source>`: 401 without a session, 404 for a name that is no
 * source, 304 when `If-None-Match` names the current data version, else the source streamed as
 * Arrow IPC with that version as ETag. Browsers must revalidate (`no-cache`); `no-transform`
 * keeps any compression layer off it.
 */
export async function analyticsSourceResponse(
  request: Request,
  name: string,
  deps: AnalyticsRouteDeps,
): Promise<Response> {
  const session = await deps.session();
  if (!session?.user) return plain(401, "Sign in to load analytics data.");
  const source = findSource(name);
  if (!source) return plain(404, `No analytics source called "${name.slice(0, 80)}".`);
  const db = deps.db();
  const etag = versionEtag(await dataVersion(db));
  const headers = {
    etag,
    "cache-control": "private, no-cache, no-transform",
    "x-content-type-options": "nosniff",
  };
  if (etagMatches(request.headers.get("if-none-match"), etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(sourceIpcStream(db, source, deps.batchSize), {
    status: 200,
    headers: { ...headers, "content-type": ARROW_STREAM_TYPE },
  });
}

/**
 * Answers `GET /api/analytics/version`: 401 without a session, else `{ version, sources }` (JSON,
 * never cached) so the Insights page can tell whether its cached marts are current.
 */
export async function analyticsVersionResponse(deps: AnalyticsRouteDeps): Promise<Response> {
  const session = await deps.session();
  if (!session?.user) return plain(401, "Sign in to load analytics data.");
  const version = await dataVersion(deps.db());
  return Response.json(
    { version, sources: SOURCES.map((source) => source.name) },
    { headers: { "cache-control": "no-store", etag: versionEtag(version) } },
  );
}
