/**
 * Test harness for the sandbox bank: a standalone server on a free port with a movable clock,
 * and small helpers that talk to it over real HTTP with `fetch`.
 */
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { type SandboxServerOptions, startSandboxServer } from "@/server/providers/sandbox/server";

/** A clock tests can move. */
export class TestClock {
  constructor(public current = new Date("2026-03-16T10:00:00.000Z")) {}
  now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  advanceDays(days: number): void {
    this.advance(days * 86_400_000);
  }
}

export const DAY_MS = 86_400_000;

/** The origin of the app the harness plays, the only one its requisitions may redirect to. */
export const TEST_APP_ORIGIN = "http://app.test";

/** Starts a sandbox with a test clock; rate limits are off unless asked for. */
export async function startHarness(options: SandboxServerOptions & { rateLimits?: boolean } = {}) {
  const clock = new TestClock();
  const { rateLimits, ...serverOptions } = options;
  const server = await startSandboxServer({
    now: clock.now,
    ...serverOptions,
    bank: {
      adminEnabled: true,
      // The app these tests play: requisitions may only lead back to it.
      redirectOrigins: [TEST_APP_ORIGIN],
      ...(rateLimits ? {} : { rateLimits: { accountSuccessLimit: false, company: false } }),
      ...serverOptions.bank,
    },
  });
  let token: string | undefined;
  let tokenIssuedAt = 0;

  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    // The bodies are arbitrary JSON that tests assert field by field, hence `any`.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; json: any; headers: Headers; text: string }> {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, headers: response.headers, text };
  }

  async function accessToken(): Promise<string> {
    const age = clock.current.getTime() - tokenIssuedAt;
    if (!token || age < 0 || age > 23 * 3_600_000) {
      tokenIssuedAt = clock.current.getTime();
      const result = await call("POST", "/token/new/", {
        secret_id: SANDBOX_SECRET_ID,
        secret_key: SANDBOX_SECRET_KEY,
      });
      token = result.json.access as string;
    }
    return token;
  }

  /** An authenticated API call. */
  async function api(method: string, path: string, body?: unknown) {
    return call(method, path, body, { authorization: `Bearer ${await accessToken()}` });
  }

  /** Submits the consent form of a link; returns the status and redirect location. */
  async function consent(link: string, form: string) {
    // Post to this server whatever origin the link was built on (redirectBaseUrl).
    const response = await fetch(new URL(new URL(link).pathname, server.origin), {
      method: "POST",
      body: form,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    });
    return {
      status: response.status,
      location: response.headers.get("location"),
      text: await response.text(),
    };
  }

  /** Creates a requisition for an institution and approves it; returns requisition and account ids. */
  async function link(
    institutionId = "SANDBOXFINANCE_SFIN0000",
    agreementBody: Record<string, unknown> = {},
    form = "action=approve",
  ) {
    const agreement = await api("POST", "/agreements/enduser/", {
      institution_id: institutionId,
      ...agreementBody,
    });
    if (agreement.status !== 201) throw new Error(`agreement: ${agreement.text}`);
    const requisition = await api("POST", "/requisitions/", {
      redirect: "http://app.test/connections/callback",
      institution_id: institutionId,
      agreement: agreement.json.id,
      account_selection: form.includes("account="),
    });
    if (requisition.status !== 201) throw new Error(`requisition: ${requisition.text}`);
    const approved = await consent(requisition.json.link as string, form);
    const linked = await api("GET", `/requisitions/${requisition.json.id}/`);
    return {
      agreement: agreement.json,
      requisition: linked.json,
      accounts: linked.json.accounts as string[],
      redirect: approved.location,
    };
  }

  return {
    server,
    bank: server.bank,
    clock,
    call,
    api,
    consent,
    link,
    close: () => server.close(),
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
