import { type APIRequestContext, expect, test } from "@playwright/test";

// The built-in sandbox bank is served by the app itself: create a requisition over its
// GoCardless-compatible API, open the hosted consent page in the browser, approve, and check the
// bank sends the browser back to the app's callback with our reference.
const SANDBOX_SECRETS = { secret_id: "sandbox-secret-id", secret_key: "sandbox-secret-key" };

/** The app's sandbox API base and the headers of a freshly issued access token. */
async function sandboxApi(request: APIRequestContext, baseURL: string | undefined) {
  const api = `${baseURL}/sandbox-bank/api/v2`;
  const token = await request.post(`${api}/token/new/`, { data: SANDBOX_SECRETS });
  expect(token.status()).toBe(200);
  const { access } = (await token.json()) as { access: string };
  return { api, headers: { authorization: `Bearer ${access}` } };
}

test("sandbox consent: Approve redirects to /connections/callback?ref=<reference>", async ({
  page,
  request,
  baseURL,
}) => {
  const { api, headers } = await sandboxApi(request, baseURL);

  const agreement = await request.post(`${api}/agreements/enduser/`, {
    headers,
    data: { institution_id: "SANDBOXFINANCE_SFIN0000", access_valid_for_days: 90 },
  });
  expect(agreement.status()).toBe(201);
  const reference = `e2e-${Date.now()}`;
  const created = await request.post(`${api}/requisitions/`, {
    headers,
    data: {
      redirect: `${baseURL}/connections/callback`,
      institution_id: "SANDBOXFINANCE_SFIN0000",
      agreement: ((await agreement.json()) as { id: string }).id,
      reference,
    },
  });
  expect(created.status()).toBe(201);
  const requisition = (await created.json()) as { id: string; link: string; status: string };
  expect(requisition.status).toBe("CR");

  await page.goto(requisition.link);
  await expect(page.getByRole("heading", { name: "Sandbox Finance" })).toBeVisible();
  const callback = page.waitForRequest(
    (r) => new URL(r.url()).pathname === "/connections/callback",
  );
  await page.getByRole("button", { name: "Approve" }).click();
  const landed = new URL((await callback).url());
  expect(landed.origin).toBe(new URL(baseURL as string).origin);
  expect(landed.searchParams.get("ref")).toBe(reference);
  expect(landed.searchParams.get("error")).toBeNull();

  const linked = await request.get(`${api}/requisitions/${requisition.id}/`, { headers });
  const body = (await linked.json()) as { status: string; accounts: string[] };
  expect(body.status).toBe("LN");
  expect(body.accounts).toHaveLength(2);

  // The link is single-use: opening it again sends the browser back with RequisitionLinkReused.
  const reused = page.waitForRequest((r) => new URL(r.url()).pathname === "/connections/callback");
  await page.goto(requisition.link).catch(() => undefined);
  const again = new URL((await reused).url());
  expect(again.searchParams.get("error")).toBe("RequisitionLinkReused");
});

test("sandbox consent: Reject redirects with UserCancelledSession", async ({
  page,
  request,
  baseURL,
}) => {
  const { api, headers } = await sandboxApi(request, baseURL);
  const reference = `e2e-reject-${Date.now()}`;
  const created = await request.post(`${api}/requisitions/`, {
    headers,
    data: {
      redirect: `${baseURL}/connections/callback`,
      institution_id: "SANDBOXFINANCE_SFIN0000",
      reference,
    },
  });
  const { link } = (await created.json()) as { link: string };
  await page.goto(link);
  const callback = page.waitForRequest(
    (r) => new URL(r.url()).pathname === "/connections/callback",
  );
  await page.getByRole("button", { name: "Reject" }).click();
  const landed = new URL((await callback).url());
  expect(landed.searchParams.get("ref")).toBe(reference);
  expect(landed.searchParams.get("error")).toBe("UserCancelledSession");
  expect(landed.searchParams.get("details")).toBe("User cancelled the session.");
});

test("sandbox API: a requisition that would send the browser to another site is refused", async ({
  request,
  baseURL,
}) => {
  const { api, headers } = await sandboxApi(request, baseURL);
  const created = await request.post(`${api}/requisitions/`, {
    headers,
    data: { redirect: "https://evil.example/phish", institution_id: "SANDBOXFINANCE_SFIN0000" },
  });
  expect(created.status()).toBe(400);
  expect(await created.json()).toEqual({
    redirect: {
      summary: "Invalid redirect URI",
      detail: `Redirect URI must lead back to the app (${new URL(baseURL as string).origin})`,
    },
    status_code: 400,
  });
});

test("sandbox consent page: styled by its stylesheet, no Content-Security-Policy violation", async ({
  page,
  request,
  baseURL,
}) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
  });
  const { api, headers } = await sandboxApi(request, baseURL);
  const created = await request.post(`${api}/requisitions/`, {
    headers,
    data: {
      redirect: `${baseURL}/connections/callback`,
      institution_id: "SANDBOXFINANCE_SFIN0000",
    },
  });
  const { link } = (await created.json()) as { link: string };
  await page.goto(link);
  // The approve button's green comes from the stylesheet, so it loaded and applied.
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCSS(
    "background-color",
    "rgb(31, 111, 67)",
  );
  expect(violations).toEqual([]);
});
