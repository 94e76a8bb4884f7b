/**
 * The transactions table's filters as they live in the page's URL (?q=&from=&to=&min=&max=
 * &status=&category=), so a filtered view survives a reload and can be bookmarked. The server
 * validates them again (zod); here they are only read, written and passed on.
 */

import type { TransactionFilter } from "@/server/domain/transactions";

/** The URL parameters a filter uses, in the order they are written. */
export const FILTER_PARAMS = ["q", "from", "to", "min", "max", "status", "category"] as const;

/** One filter parameter's name. */
export type FilterParam = (typeof FILTER_PARAMS)[number];

/** The filters as strings straight from the URL (absent = not filtering). */
export type FilterValues = Partial<Record<FilterParam, string>>;

/** The value of the category filter that means "no category chosen". */
export const UNCATEGORISED = "__none__";

/** Reads the filters from URL parameters, ignoring blanks. */
export function readFilters(params: { get(name: string): string | null }): FilterValues {
  const values: FilterValues = {};
  for (const name of FILTER_PARAMS) {
    const value = params.get(name)?.trim();
    if (value) values[name] = value;
  }
  return values;
}

/** Writes filters back as a query string (no leading "?"), blanks left out. */
export function filtersToQuery(values: FilterValues): string {
  const params = new URLSearchParams();
  for (const name of FILTER_PARAMS) {
    const value = values[name]?.trim();
    if (value) params.set(name, value);
  }
  return params.toString();
}

/** True when any filter is set. */
export function hasFilters(values: FilterValues): boolean {
  return FILTER_PARAMS.some((name) => values[name]);
}

/** The API's filter input for these values (names as the transactions router expects them). */
export function toApiFilter(values: FilterValues, accountId?: string): TransactionFilter {
  const status =
    values.status === "BOOKED" || values.status === "PENDING" ? values.status : undefined;
  return {
    ...(accountId ? { accountId } : {}),
    ...(values.q ? { q: values.q } : {}),
    ...(values.from ? { from: values.from } : {}),
    ...(values.to ? { to: values.to } : {}),
    ...(values.min ? { minAmount: values.min } : {}),
    ...(values.max ? { maxAmount: values.max } : {}),
    ...(status ? { status } : {}),
    ...(values.category ? { category: values.category } : {}),
  };
}

/** The CSV export's address for these filters (the export route reads the API's names). */
export function exportHref(values: FilterValues, accountId?: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(toApiFilter(values, accountId))) {
    params.set(name, value);
  }
  const query = params.toString();
  return `/api/export/transactions${query ? `?${query}` : ""}`;
}
