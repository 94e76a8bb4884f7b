/**
 * The fault knobs that apply to any endpoint (research §7): a delay, a forced "Invalid token", a
 * proxy's HTML error page, the API-wide 429, a 5xx, and a 200 whose JSON is cut off. The router
 * calls them in request order; account-specific knobs live with the account endpoints.
 */
import { takeFault } from "../faults";
import {
  INVALID_TOKEN,
  htmlResponse,
  jsonResponse,
  rateLimitBody,
  serverErrorResponse,
} from "../responses";
import type { ApiCall } from "./types";

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Waits as the `delay` knob asks, or until the client gives up on the request. */
export async function injectDelay(call: ApiCall): Promise<void> {
  const delay = takeFault(call.bank.faults, "delay", call.context);
  if (delay) await sleep(delay.ms, call.request.signal);
}

/** The 401 of the `invalidToken` knob (checked after a real, valid token). */
export function injectedAuthFailure(call: ApiCall): Response | undefined {
  if (takeFault(call.bank.faults, "invalidToken", call.context)) {
    return jsonResponse(401, INVALID_TOKEN);
  }
  return undefined;
}

/**
 * The answer of a knob that replaces the endpoint's: an HTML error page, the API-wide 429, or
 * (outside the account data endpoints, which count errors towards suspension) a 5xx.
 */
export function injectedFailure(call: ApiCall): Response | undefined {
  const { faults } = call.bank;
  const { context } = call;
  const html = takeFault(faults, "htmlError", context);
  if (html) {
    const status = html.status ?? 502;
    return htmlResponse(
      status,
      `<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center><hr><center>nginx</center></body></html>`,
    );
  }
  if (faults.rateLimited?.flavour === "api" && takeFault(faults, "rateLimited", context)) {
    return jsonResponse(429, rateLimitBody("api", { limit: 100, period: "minute", retryIn: 60 }));
  }
  if (!call.endpoint.startsWith("accounts.")) {
    const failure = takeFault(faults, "serverError", context);
    if (failure) return serverErrorResponse(failure.type, "Service error");
  }
  return undefined;
}

/** Cuts a successful answer's body in half when the `malformedJson` knob says so. */
export async function corruptIfAsked(call: ApiCall, response: Response): Promise<Response> {
  if (!response.ok || !takeFault(call.bank.faults, "malformedJson", call.context)) return response;
  const text = await response.text();
  return new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), {
    status: response.status,
    headers: response.headers,
  });
}
