/**
 * The analytics data path on the server: each source of analytics/sources.ts streamed from
 * PostgreSQL as Arrow IPC (`GET /api/analytics/<source>`), and a cheap data version
 * (`GET /api/analytics/version`, and every source's ETag) so the browser can tell whether the
 * marts it built last time are still current.
 *
 * A source is read with `COPY (<select>) TO STDOUT` on its own connection, in a REPEATABLE READ
 * transaction that also computes the data version (so the ETag names exactly the rows sent) and
 * reads the source's dictionaries. The COPY text goes straight into Arrow column buffers
 * (copy-text.ts), one record batch at a time, each sent before more is read: memory stays flat
 * whatever the number of rows, and no JS object is made per row or value. Nothing is compressed
 * on the fly (measured slower than sending on a LAN; `no-transform` keeps Next's compression off
 * it).
 */
import type { Session } from "next-auth";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { RecordBatchStreamWriter, type RecordBatch } from "apache-arrow";
import { SourceBatchBuilder, type SourceDictionaries } from "@/analytics/arrow";
import { findSource, SOURCES, type SourceDeclaration } from "@/analytics/sources";
import { CopyTextDecoder } from "./copy-text";

/** Rows per Arrow record batch. */
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
export async function dataVersion(client: pg.ClientBase): Promise<string> {
  const parts = VERSIONED_TABLES.map(
    (table) =>
      `(SELECT concat_ws(':', count(*), max(updated_at), max(xmin::text::bigint)) FROM ${table})`,
  );
  const result = await client.query<{ version: string }>(
    `SELECT md5(concat_ws('|', ${parts.join(", ")})) AS version`,
  );
  return result.rows[0]!.version.slice(0, 20);
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

/** A batch's field names and types, to compare schemas. */
function shapeOf(batch: RecordBatch): string {
  return batch.schema.fields.map((field) => `${field.name}:${String(field.type)}`).join("|");
}

/**
 * Serialises one stream's messages piecewise: the schema and dictionary messages once (the
 * header), then each record batch as its own bytes, then the end-of-stream marker. Made from an
 * empty batch of the stream's schema and dictionaries; every later batch must share them. A batch
 * message is cut from a small stream [empty batch, batch] after the known bytes of the header
 * and the empty batch, which are checked to match byte for byte.
 */
export class IpcStreamEncoder {
  /** The stream's first bytes: the schema message, then each dictionary. */
  readonly header: Uint8Array;
  /** The stream's last bytes. */
  readonly footer = END_OF_STREAM;
  private readonly prefix: Uint8Array;
  private readonly shape: string;

  constructor(private readonly empty: RecordBatch) {
    if (empty.numRows !== 0) throw new Error("IpcStreamEncoder needs an empty batch");
    const once = RecordBatchStreamWriter.writeAll([empty]).toUint8Array(true);
    const twice = RecordBatchStreamWriter.writeAll([empty, empty]).toUint8Array(true);
    const emptyMessage = twice.length - once.length;
    this.prefix = once.slice(0, once.length - END_OF_STREAM.length);
    this.header = this.prefix.slice(0, this.prefix.length - emptyMessage);
    this.shape = shapeOf(empty);
  }

  /** The record batch message (metadata and body) of one batch of this stream. */
  batch(batch: RecordBatch): Uint8Array {
    if (shapeOf(batch) !== this.shape) {
      throw new Error("Arrow batch written with a different schema than the stream's");
    }
    const whole = RecordBatchStreamWriter.writeAll([this.empty, batch]).toUint8Array(true);
    const head = whole.subarray(0, this.prefix.length);
    if (!head.every((byte, index) => byte === this.prefix[index])) {
      throw new Error("Arrow batch written with a different schema than the stream's");
    }
    return whole.slice(this.prefix.length, whole.length - END_OF_STREAM.length);
  }
}

/**
 * The values of the source's dictionary columns: each column's fixed values, then what its
 * query returns. Run in the export's transaction, so the rows can hold no other value.
 */
export async function readDictionaries(
  client: pg.ClientBase,
  source: SourceDeclaration,
): Promise<SourceDictionaries> {
  const dictionaries = new Map<string, string[]>();
  for (const column of source.columns) {
    if (!column.dictionary) continue;
    const values = new Set(column.dictionary.values ?? []);
    if (column.dictionary.query) {
      const result = await client.query<string[]>({
        text: column.dictionary.query,
        rowMode: "array",
      });
      for (const [value] of result.rows) if (typeof value === "string") values.add(value);
    }
    dictionaries.set(column.name, [...values]);
  }
  return dictionaries;
}

/**
 * The source's rows as Arrow record batches of at most `batchSize` rows, read with one `COPY`
 * on `client` in the caller's transaction: first an empty batch that carries the schema and
 * dictionaries (for {@link IpcStreamEncoder}), then the rows. COPY output is read only as fast as
 * the batches are taken; stopping early (`return()`) destroys the COPY stream, and the caller
 * must then discard the connection.
 */
export async function* sourceBatches(
  client: pg.ClientBase,
  source: SourceDeclaration,
  batchSize: number = ANALYTICS_BATCH_SIZE,
): AsyncGenerator<RecordBatch> {
  const builder = new SourceBatchBuilder(source, await readDictionaries(client, source));
  yield builder.finish();
  const decoder = new CopyTextDecoder(builder, Math.max(1, Math.trunc(batchSize)));
  const copy = client.query(copyTo(`COPY (${source.select}) TO STDOUT`));
  try {
    for await (const chunk of copy as AsyncIterable<Uint8Array>) {
      for (const batch of decoder.push(chunk)) yield batch;
    }
    for (const batch of decoder.end()) yield batch;
  } finally {
    copy.destroy();
  }
}

/**
 * Opens the export transaction on a connection of `pool`: REPEATABLE READ, read only, so the
 * data version, the dictionaries and the rows all come from one snapshot. The caller finishes it
 * with {@link endExport}.
 */
export async function beginExport(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query(`SET LOCAL statement_timeout = ${EXPORT_TIMEOUT_MS}`);
    // One sequential pass: compiling it (JIT) costs more than it saves.
    await client.query("SET LOCAL jit = off");
    return client;
  } catch (error) {
    client.release(true);
    throw error;
  }
}

/**
 * Ends an export transaction and returns the connection to its pool; after an error or an early
 * stop (a COPY may still be sending) the connection is closed instead of reused.
 */
export async function endExport(client: pg.PoolClient, failure?: unknown): Promise<void> {
  if (failure !== undefined) {
    client.release(true);
    return;
  }
  // A COMMIT that fails leaves the connection in doubt: it is closed rather than reused.
  const committed = await client.query("COMMIT").then(
    () => true,
    () => false,
  );
  client.release(!committed);
}

/**
 * The source as an Arrow IPC byte stream over an open export transaction: the schema and
 * dictionaries, one record batch per `batchSize` rows (read only when the client is ready for
 * more), and the end marker. The transaction ends with the stream; if the client goes away the
 * connection is dropped, and a database error mid-way breaks the stream off rather than ending
 * it as if complete.
 */
export function sourceIpcStream(
  client: pg.PoolClient,
  source: SourceDeclaration,
  batchSize: number = ANALYTICS_BATCH_SIZE,
): ReadableStream<Uint8Array> {
  const batches = sourceBatches(client, source, batchSize);
  let encoder: IpcStreamEncoder | undefined;
  let ended = false;
  let cancelled = false;
  const end = async (failure?: unknown) => {
    if (ended) return;
    ended = true;
    await endExport(client, failure);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await batches.next();
          if (cancelled) return;
          if (next.done) {
            await end();
            controller.enqueue(END_OF_STREAM);
            controller.close();
          } else if (!encoder) {
            encoder = new IpcStreamEncoder(next.value);
            controller.enqueue(encoder.header);
          } else {
            controller.enqueue(encoder.batch(next.value));
          }
        } catch (error) {
          if (cancelled) return;
          console.error(`[analytics] export of ${source.name} failed:`, error);
          await end(error);
          controller.error(error);
        }
      },
      async cancel() {
        cancelled = true;
        await batches.return(undefined).catch(() => undefined);
        await end(new Error("the client went away"));
      },
    },
    { highWaterMark: 1 },
  );
}

/** True for the pool's "no connection free in time" error (every connection is exporting). */
function isPoolTimeout(error: unknown): boolean {
  return error instanceof Error && /timeout exceeded when trying to connect/i.test(error.message);
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
  /** The pool exports take their connection from (one per export, for its COPY). */
  pool: () => pg.Pool;
  batchSize?: number;
}

/**
 * Answers `GET /api/analytics/<source>`: 401 without a session, 404 for a name that is no
 * source, 503 with `Retry-After` when every export connection stays busy, 304 when
 * `If-None-Match` names the current data version, else the source streamed as Arrow IPC with
 * that version as ETag. Browsers must revalidate (`no-cache`); `no-transform`
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
  let client: pg.PoolClient;
  try {
    client = await beginExport(deps.pool());
  } catch (error) {
    if (!isPoolTimeout(error)) throw error;
    const busy = plain(503, "Other analytics downloads are running; try again in a moment.");
    busy.headers.set("retry-after", "5");
    return busy;
  }
  let etag: string;
  try {
    etag = versionEtag(await dataVersion(client));
  } catch (error) {
    await endExport(client, error);
    throw error;
  }
  const headers = {
    etag,
    "cache-control": "private, no-cache, no-transform",
    "x-content-type-options": "nosniff",
  };
  if (etagMatches(request.headers.get("if-none-match"), etag)) {
    await endExport(client);
    return new Response(null, { status: 304, headers });
  }
  return new Response(sourceIpcStream(client, source, deps.batchSize), {
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
  const client = await deps.pool().connect();
  let version: string;
  try {
    version = await dataVersion(client);
  } finally {
    client.release();
  }
  return Response.json(
    { version, sources: SOURCES.map((source) => source.name) },
    { headers: { "cache-control": "no-store", etag: versionEtag(version) } },
  );
}
