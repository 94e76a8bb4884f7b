import { srcAccounts } from "./models/sources/src_accounts";
import { srcBalances } from "./models/sources/src_balances";
import { srcTransactions } from "./models/sources/src_transactions";
import type { SourceDeclaration } from "./models/sources/types";

export type { SourceColumn, SourceColumnType, SourceDeclaration } from "./models/sources/types";

/**
 * Every source table the models read, in load order. The Arrow route streams each one's
 * `select` from Postgres; the browser and the tests load them under `name`.
 */
export const SOURCES: readonly SourceDeclaration[] = [srcAccounts, srcTransactions, srcBalances];

/** The source called `name`, or undefined (an unknown name is a 404 for the route). */
export function findSource(name: string): SourceDeclaration | undefined {
  return SOURCES.find((source) => source.name === name);
}
