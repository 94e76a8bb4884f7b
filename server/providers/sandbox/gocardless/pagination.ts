/**
 * Django REST framework's limit/offset pages (`{count, next, previous, results}`, newest first),
 * as the agreement and requisition lists answer them (research §3, §4.2).
 */
import { type FieldErrors, fieldErrors, jsonResponse } from "../responses";
import { integerField } from "../validation";
import type { ApiCall } from "./types";

/** One page of `items` (oldest first) for the call's `limit` and `offset`, or their 400. */
export function listPage(call: ApiCall, items: readonly unknown[]): Response {
  const params = call.url.searchParams;
  const errors: FieldErrors = {};
  const limit = integerField(params.get("limit") ?? undefined, 100);
  const offset = integerField(params.get("offset") ?? undefined, 0);
  if (typeof limit !== "number") errors.limit = limit;
  else if (limit < 1) errors.limit = ["Ensure this value is greater than or equal to 1."];
  if (typeof offset !== "number") errors.offset = offset;
  else if (offset < 0) errors.offset = ["Ensure this value is greater than or equal to 0."];
  if (typeof limit !== "number" || typeof offset !== "number" || Object.keys(errors).length > 0) {
    return jsonResponse(400, fieldErrors(errors));
  }
  const newestFirst = [...items].reverse();
  const page = (at: number): string => {
    const next = new URL(call.url.href);
    next.search = `?limit=${limit}&offset=${at}`;
    return `${call.bank.publicOrigin(call.url)}${next.pathname}${next.search}`;
  };
  return jsonResponse(200, {
    count: items.length,
    next: offset + limit < items.length ? page(offset + limit) : null,
    previous: offset > 0 ? page(Math.max(0, offset - limit)) : null,
    results: newestFirst.slice(offset, offset + limit),
  });
}
