/**
 * The bulk-write helpers: hashes and day texts as the stored columns expect them, and statements
 * run strictly one after another per connection while the next is prepared.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Db } from "@/server/db/client";
import {
  BULK_CHUNK_ROWS,
  chunks,
  inLane,
  isoDay,
  md5Hex,
  runPipelined,
  type PreparedStatement,
} from "@/server/sync/bulk";

/** A stand-in connection: the helpers only use it as the key of its lane. */
function connection(): Db {
  return {} as unknown as Db;
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe("hashes and days", () => {
  it("hashes exactly as createHash('md5') does, so stored hashes stay valid", () => {
    for (const text of ["", "{}", '{"amount":"12.50","text":"Café"}']) {
      expect(md5Hex(text)).toBe(createHash("md5").update(text).digest("hex"));
    }
  });

  it("formats calendar days, and any other moment too", () => {
    expect(isoDay(undefined)).toBeNull();
    expect(isoDay(null)).toBeNull();
    const day = new Date("2024-02-01T00:00:00.000Z");
    expect(isoDay(day)).toBe("2024-02-01");
    expect(isoDay(new Date(day.getTime()))).toBe("2024-02-01");
    expect(isoDay(new Date("2024-02-01T23:30:00.000Z"))).toBe("2024-02-01");
  });

  it("splits rows into statements of at most BULK_CHUNK_ROWS", () => {
    expect(chunks([])).toEqual([]);
    const rows = Array.from({ length: BULK_CHUNK_ROWS * 2 + 1 }, (_, i) => i);
    expect(chunks(rows).map((chunk) => chunk.length)).toEqual([
      BULK_CHUNK_ROWS,
      BULK_CHUNK_ROWS,
      1,
    ]);
    expect(chunks(rows).flat()).toEqual(rows);
  });
});

describe("statements on one connection", () => {
  it("never runs two at once on one connection, and keeps their order", async () => {
    const db = connection();
    const other = connection();
    const log: string[] = [];
    let running = 0;
    const statement = (name: string) => async () => {
      running += 1;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running -= 1;
      return name;
    };
    const results = await Promise.all([
      inLane(db, statement("a")),
      inLane(db, statement("b")),
      inLane(db, async () => {
        throw new Error("c failed");
      }).catch((error: Error) => error.message),
      inLane(db, statement("d")),
    ]);
    expect(results).toEqual(["a", "b", "c failed", "d"]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start d", "end d"]);
    // Another connection has a lane of its own.
    expect(await inLane(other, async () => "free")).toBe("free");
  });

  it("prepares each statement while the previous one runs and sums what they wrote", async () => {
    const db = connection();
    const log: string[] = [];
    const statement =
      (n: number): PreparedStatement =>
      () => {
        log.push(`prepare ${n}`);
        return async () => {
          log.push(`run ${n}`);
          await tick();
          log.push(`done ${n}`);
          return n;
        };
      };
    expect(await runPipelined(db, [1, 2, 3, 4, 5].map(statement))).toBe(15);
    expect(log.filter((entry) => entry.startsWith("run"))).toEqual([
      "run 1",
      "run 2",
      "run 3",
      "run 4",
      "run 5",
    ]);
    // Statement 2 was prepared before statement 1 finished.
    expect(log.indexOf("prepare 2")).toBeLessThan(log.indexOf("done 1"));
    expect(await runPipelined(db, [])).toBe(0);
  });

  it("throws the first failure once every started statement has settled", async () => {
    const db = connection();
    const settled: number[] = [];
    const prepared: number[] = [];
    const statement =
      (n: number, fails = false): PreparedStatement =>
      () => {
        prepared.push(n);
        return async () => {
          await tick();
          settled.push(n);
          if (fails) throw new Error(`statement ${n} failed`);
          return n;
        };
      };
    const statements = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => statement(n, n === 2 || n === 3));
    await expect(runPipelined(db, statements)).rejects.toThrow("statement 2 failed");
    // Nothing is left running, and no statement is started after the failure was seen.
    expect(settled).toEqual([...prepared].sort((a, b) => a - b));
    expect(prepared.length).toBeLessThan(8);
  });
});
