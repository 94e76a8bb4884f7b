/**
 * A standalone `node:http` server around a {@link SandboxBank}, for tests, benchmarks and scripts:
 * the API under `http://127.0.0.1:<port>/api/v2/` and the consent screen under
 * `/sandbox-bank/consent/<linkId>` on the same port.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SandboxBank, type SandboxBankOptions } from "./bank";
import type { SandboxProfile } from "./generator";

/** Options of {@link startSandboxServer}. */
export interface SandboxServerOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** The bank's clock. */
  now?: () => Date;
  /** Size of generated histories (default `small`). */
  profile?: SandboxProfile;
  /** Origin used in consent links and logos (default: this server's own origin). */
  redirectBaseUrl?: string;
  /** Any other bank option (rate limits, faults, store, …). */
  bank?: Omit<SandboxBankOptions, "now" | "profile" | "publicBaseUrl">;
}

/** A running sandbox server. */
export interface RunningSandboxServer {
  /** `http://127.0.0.1:<port>/api/v2` — give it to the GoCardless client as its base URL. */
  baseUrl: string;
  /** `http://127.0.0.1:<port>/sandbox-bank/enablebanking` — the Enable Banking client's base URL. */
  enableBankingBaseUrl: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  bank: SandboxBank;
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage, body: Buffer | undefined, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const url = `http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`;
  return new Request(url, {
    method: req.method,
    headers,
    body: body && body.length > 0 ? new Uint8Array(body) : undefined,
    signal,
  });
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) {
        await reader.cancel();
        return;
      }
      if (!res.write(value)) await once(res, "drain");
    }
  }
  res.end();
}

/**
 * Starts a sandbox bank on 127.0.0.1. Close it when done; state lives in memory unless a store
 * is passed in `options.bank.store`.
 */
export async function startSandboxServer(
  options: SandboxServerOptions = {},
): Promise<RunningSandboxServer> {
  let origin = "";
  const bank = new SandboxBank({
    ...options.bank,
    now: options.now,
    profile: options.profile,
    publicBaseUrl: options.redirectBaseUrl,
  });
  const server = createServer((req, res) => {
    const aborted = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) aborted.abort();
    });
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const method = (req.method ?? "GET").toUpperCase();
      const body = method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks);
      // Inside the promise chain, so a request Node accepted but Fetch refuses (a bad Host
      // header, say) becomes a 500 instead of an uncaught exception.
      Promise.resolve()
        .then(() => bank.handle(toRequest(req, body, aborted.signal)))
        .then((response) => writeResponse(res, response))
        .catch((error: unknown) => {
          if (!res.headersSent) {
            res.writeHead(500, { "content-type": "text/plain" });
            res.end(`sandbox bank error: ${String(error)}`);
          } else res.destroy();
        });
    });
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    baseUrl: `${origin}/api/v2`,
    enableBankingBaseUrl: `${origin}/sandbox-bank/enablebanking`,
    origin,
    bank,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
