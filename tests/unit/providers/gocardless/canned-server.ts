/**
 * A tiny real HTTP server on 127.0.0.1 for client tests: each request is recorded and answered by
 * the test's handler (no fetch mocks).
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface CannedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON, strings verbatim. */
  body?: unknown;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
  /** Drop the connection without answering (network errors). */
  destroy?: boolean;
}

export type Handler = (request: RecordedRequest) => CannedResponse | Promise<CannedResponse>;

export interface CannedServer {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a server answering with `handler`; `baseUrl` ends with `/api/v2`. */
export async function startCannedServer(handler: Handler): Promise<CannedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const text = Buffer.concat(chunks).toString("utf8");
        const recorded: RecordedRequest = {
          method: req.method ?? "GET",
          path: url.pathname.replace(/^\/api\/v2/, ""),
          query: url.searchParams,
          headers: req.headers,
          body: text ? (JSON.parse(text) as unknown) : undefined,
        };
        requests.push(recorded);
        const response = await handler(recorded);
        if (response.delayMs) await new Promise((resolve) => setTimeout(resolve, response.delayMs));
        if (response.destroy) {
          req.socket.destroy();
          return;
        }
        const body =
          response.body === undefined
            ? ""
            : typeof response.body === "string"
              ? response.body
              : JSON.stringify(response.body);
        res.writeHead(response.status ?? 200, {
          "content-type": typeof response.body === "string" ? "text/html" : "application/json",
          ...response.headers,
        });
        res.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v2`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fixture from tests/fixtures/gocardless, JSON-decoded (or text for non-JSON files). */
export function fixture(name: string): unknown {
  const text = readFileSync(path.resolve("tests/fixtures/gocardless", name), "utf8");
  return name.endsWith(".json") ? (JSON.parse(text) as unknown) : text;
}

/** An unsigned JWT whose payload carries `exp` (seconds since the epoch). */
export function makeJwt(expSeconds: number, kind = "access"): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ token_type: kind, exp: expSeconds, jti: Math.random() })}.sig`;
}

/** A token pair response valid from `now` for the given lifetimes. */
export function tokenPair(now: Date, accessSeconds = 86_400, refreshSeconds = 2_592_000) {
  const at = Math.floor(now.getTime() / 1000);
  return {
    access: makeJwt(at + accessSeconds),
    access_expires: accessSeconds,
    refresh: makeJwt(at + refreshSeconds, "refresh"),
    refresh_expires: refreshSeconds,
  };
}
