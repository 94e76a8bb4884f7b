/**
 * `GET /api/export/transactions` through its route handler on a real PostgreSQL: 401 without a
 * session, 400 for bad parameters, RFC 4180 CSV with formula injection neutralised, the filter
 * applied, and streaming page by page.
 */
import type { Session } from "next-auth";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isPublicPath } from "@/server/auth/access";
import { createPrismaClient, getDb } from "@/server/db/client";
import { listTransactions } from "@/server/domain/transactions";
import {
  csvField,
  EXPORT_COLUMNS,
  EXPORT_PAGE_SIZE,
  exportFileName,
  exportTransactionsResponse,
  parseExportParams,
  transactionsCsvStream,
} from "@/server/domain/transactions-export";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { insertTransactions, seedAccounts } from "@/tests/integration/domain/transactions-seed";

// next-auth's session reader needs a Next.js request; everything else is real.
const session = vi.hoisted(() => ({ current: null as Session | null }));
vi.mock("@/server/auth", () => ({ auth: async () => session.current }));

const OWNER_SESSION: Session = {
  user: { id: "00000000-0000-4000-8000-000000000001", email: "owner@example.test" },
  expires: "2099-01-01T00:00:00.000Z",
};

let database: TestDatabase;
let accountId: string;
let GET: (request: Request) => Promise<Response>;

beforeAll(async () => {
  database = await createTestDatabase();
  // The route handler uses the app's shared client, made from DATABASE_URL on first use.
  vi.stubEnv("DATABASE_URL", database.url);
  ({ GET } = await import("@/app/api/export/transactions/route"));
  const [account] = await seedAccounts(database.db, ["Joint, main"]);
  accountId = (account as { id: string }).id;
});

afterAll(async () => {
  await getDb().$disconnect();
  delete (globalThis as { finboardDb?: unknown }).finboardDb;
  vi.unstubAllEnvs();
  await database?.drop();
});

/** A strict RFC 4180 reader: records of fields, CRLF line ends, quoted fields may hold anything. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let at = 0;
  while (at < text.length) {
    if (text[at] === '"' && field === "") {
      at++;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) throw new Error("unterminated quoted field");
        field += text.slice(at, quote);
        if (text[quote + 1] === '"') {
          field += '"';
          at = quote + 2;
        } else {
          at = quote + 1;
          break;
        }
      }
      if (text[at] !== "," && text[at] !== "\r") throw new Error(`junk after a quote at ${at}`);
    } else if (text[at] === ",") {
      record.push(field);
      field = "";
      at++;
    } else if (text[at] === "\r") {
      if (text[at + 1] !== "\n") throw new Error("a CR without LF");
      record.push(field);
      records.push(record);
      field = "";
      record = [];
      at += 2;
    } else {
      if (text[at] === '"' || text[at] === "\n") throw new Error(`bare ${text[at]} at ${at}`);
      field += text[at];
      at++;
    }
  }
  if (field !== "" || record.length > 0) throw new Error("the last record has no CRLF");
  return records;
}

function request(query = ""): Request {
  return new Request(`http://localhost/api/export/transactions${query}`);
}

describe("access and parameters", () => {
  it("answers 401 without a session and reads nothing", async () => {
    session.current = null;
    const response = await GET(request("?status=PENDING"));
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe("Sign in to export transactions.\n");
    session.current = { expires: OWNER_SESSION.expires } as Session;
    expect((await GET(request())).status).toBe(401);
    // The proxy's page guard covers the path too (it is not one of the public prefixes).
    expect(isPublicPath("/api/export/transactions")).toBe(false);
  });

  it("answers 400 with a plain message for bad parameters", async () => {
    session.current = OWNER_SESSION;
    const cases: [string, string][] = [
      ["?from=2026-02-10&to=2026-02-01", "to: must not be before the start date."],
      ["?minAmount=5&maxAmount=1", "maxAmount: must not be less than the minimum amount."],
      ["?from=yesterday", "from: must be a date (YYYY-MM-DD)."],
      ["?accountId=42", "accountId: must be an account id (UUID)."],
      ["?status=booked", 'status: Invalid option: expected one of "BOOKED"|"PENDING".'],
      ["?minAmount=1e9", "minAmount: must be an amount such as -12.50 (at most 4 decimals)."],
      ["?stauts=PENDING", "Unknown parameter: stauts."],
      ["?status=PENDING&status=BOOKED", "status: given more than once."],
      [`?q=${"x".repeat(101)}`, "q: Too big: expected string to have <=100 characters."],
    ];
    for (const [query, message] of cases) {
      const response = await GET(request(query));
      expect(response.status, query).toBe(400);
      expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(await response.text(), query).toBe(`${message}\n`);
    }
  });

  it("treats empty parameters as not set, as an empty form field sends them", () => {
    const parsed = parseExportParams(
      new URLSearchParams("accountId=&from=&to=2026-01-31&q=%20tea%20&category="),
    );
    expect(parsed).toEqual({ ok: true, filter: { to: "2026-01-31", q: "tea" } });
  });
});

describe("the CSV", () => {
  it("quotes per RFC 4180 and neutralises formulas, keeping plain numbers", () => {
    expect(csvField(null)).toBe("");
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi", then go')).toBe('"say ""hi"", then go"');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("=1+2")).toBe("'=1+2");
    expect(csvField("+44 20 7946 0000")).toBe("'+44 20 7946 0000");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\tindented")).toBe("'\tindented");
    expect(csvField("\rx")).toBe('"\'\rx"');
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvField("-12.50")).toBe("-12.50");
    expect(csvField("-3899")).toBe("-3899");
    expect(csvField("a=b")).toBe("a=b");
  });

  it("has the columns and one row per transaction of the filter, newest first", async () => {
    session.current = OWNER_SESSION;
    await insertTransactions(database.db, [
      {
        accountId,
        date: "2026-06-02",
        amount: "-12.5",
        description: 'Lunch, "the good one"',
        counterpartyName: '=HYPERLINK("http://evil.example","click")',
        category: "Eating out",
        note: "with Sam\nand Alex",
      },
      {
        accountId,
        date: "2026-06-01",
        amount: "2500",
        status: "PENDING",
        description: "+44 salary ref",
        counterpartyName: "@Employer",
        note: "-12.50",
      },
      { accountId, date: "2026-05-31", amount: "-0.99", description: "-1+1" },
    ]);
    const response = await exportTransactionsResponse(request("?from=2026-05-01&to=2026-06-30"), {
      session: async () => OWNER_SESSION,
      db: () => database.db,
      now: () => new Date("2026-06-03T23:30:00Z"),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe(
      'attachment; filename="finboard-transactions-2026-06-03.csv"',
    );
    expect(response.headers.get("cache-control")).toBe("no-store");
    const records = parseCsv(await response.text());
    expect(records).toEqual([
      [...EXPORT_COLUMNS],
      [
        "2026-06-02",
        "Joint, main",
        "BOOKED",
        "-12.5",
        "EUR",
        '\'=HYPERLINK("http://evil.example","click")',
        'Lunch, "the good one"',
        "Eating out",
        "with Sam\nand Alex",
      ],
      [
        "2026-06-01",
        "Joint, main",
        "PENDING",
        "2500",
        "EUR",
        "'@Employer",
        "'+44 salary ref",
        "",
        "-12.50",
      ],
      ["2026-05-31", "Joint, main", "BOOKED", "-0.99", "EUR", "", "'-1+1", "", ""],
    ]);

    // Through the route handler, with a filter: only the pending row.
    const pending = parseCsv(await (await GET(request("?status=PENDING&q=SALARY"))).text());
    expect(pending.map((record) => record[0])).toEqual(["date", "2026-06-01"]);
    // Nothing matches: the header alone.
    const none = await GET(request("?q=no%20such%20thing"));
    expect(await none.text()).toBe(`${EXPORT_COLUMNS.join(",")}\r\n`);
  });

  it(`streams an export larger than one page (${EXPORT_PAGE_SIZE} rows) in page-sized chunks`, async () => {
    session.current = OWNER_SESSION;
    const [big] = await seedAccounts(database.db, ["Big"]);
    const bigId = (big as { id: string }).id;
    const total = 2 * EXPORT_PAGE_SIZE + 345;
    await insertTransactions(
      database.db,
      Array.from({ length: total }, (_, n) => ({
        accountId: bigId,
        date: `2025-${String(1 + (n % 12)).padStart(2, "0")}-${String(1 + (n % 28)).padStart(2, "0")}`,
        amount: `-${n}.01`,
        description: `row ${n}`,
      })),
    );
    const response = await GET(request(`?accountId=${bigId}`));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += decoder.decode(value, { stream: true });
    }
    expect(chunks).toBe(3);
    const records = parseCsv(text);
    expect(records).toHaveLength(total + 1);
    const descriptions = records.slice(1).map((record) => record[6]);
    expect(new Set(descriptions).size).toBe(total);
    const dates = records.slice(1).map((record) => record[0] as string);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it("reads a page only when the reader asks for one", async () => {
    const [small] = await seedAccounts(database.db, ["Lazy"]);
    const lazyId = (small as { id: string }).id;
    await insertTransactions(
      database.db,
      Array.from({ length: 30 }, (_, n) => ({
        accountId: lazyId,
        date: "2025-03-01",
        amount: `${n}`,
      })),
    );
    let queries = 0;
    // Counts the queries the stream makes on the real client.
    const counting = new Proxy(database.db, {
      get(target, property, receiver) {
        if (property === "$queryRaw") queries++;
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const stream = transactionsCsvStream(counting, { accountId: lazyId }, 10);
    const reader = stream.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value).split("\r\n")).toHaveLength(12);
    // The stream may read one page ahead, never the whole export.
    expect(queries).toBeLessThanOrEqual(2);
    await reader.cancel();
    // Same rows as the list gives, in pages of ten.
    const listed = await listTransactions(database.db, { accountId: lazyId }, { limit: 30 });
    const all = parseCsv(
      await new Response(transactionsCsvStream(database.db, { accountId: lazyId }, 10)).text(),
    );
    expect(all.slice(1).map((record) => record[3])).toEqual(listed.items.map((row) => row.amount));
  });

  it("breaks the download off when the database fails mid-way, rather than ending it", async () => {
    const url = new URL(database.url);
    url.pathname = "/finboard_no_such_database";
    const broken = createPrismaClient(url.toString());
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const stream = transactionsCsvStream(broken, {});
      await expect(new Response(stream).text()).rejects.toThrow();
      expect(log).toHaveBeenCalledWith("[export] transactions CSV failed:", expect.anything());
    } finally {
      log.mockRestore();
      await broken.$disconnect();
    }
  });

  it("names the file by the day, in UTC", () => {
    expect(exportFileName(new Date("2026-12-31T23:59:59Z"))).toBe(
      "finboard-transactions-2026-12-31.csv",
    );
  });
});
