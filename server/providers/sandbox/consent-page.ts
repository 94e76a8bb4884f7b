/**
 * HTML of the sandbox bank's hosted consent screen and of its logos: plain markup and one
 * stylesheet of its own (no scripts, fonts or other assets, nothing inline), so it works under
 * the app's strict Content-Security-Policy.
 */
import type { AccountTemplate, SandboxInstitution } from "./institutions";
import { escapeHtml } from "./responses";
import { hash128 } from "./random";

/** What the consent screen shows. */
export interface ConsentPageModel {
  institution: SandboxInstitution;
  formAction: string;
  historyDays: number;
  accessDays: number;
  scopes: readonly string[];
  /** Accounts to choose from, when the requisition asked for account selection. */
  selectableAccounts?: readonly AccountTemplate[];
  error?: string;
}

/** Where the bank serves {@link CONSENT_STYLESHEET}. */
export const CONSENT_STYLESHEET_PATH = "/sandbox-bank/assets/consent.css";

/** The consent screen's styles, served as a file: a CSP without 'unsafe-inline' allows that. */
export const CONSENT_STYLESHEET = `body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem;color:#1d2330}
main{max-width:32rem;margin:0 auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}
fieldset{border:1px solid #ccd;border-radius:8px;margin:1rem 0;padding:.75rem 1rem}
label{display:block;margin:.4rem 0}
.actions{display:flex;gap:1rem;margin-top:1.5rem}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:8px;border:1px solid #889;cursor:pointer}
button[value=approve]{background:#1f6f43;color:#fff;border-color:#1f6f43}
.error{color:#a3261b}
small{color:#667}
`;

function maskIban(iban: string): string {
  return `${iban.slice(0, 4)} •••• ${iban.slice(-4)}`;
}

/** The consent screen: bank name, what is shared, account choice, Approve / Reject. */
export function renderConsentPage(model: ConsentPageModel): string {
  const { institution } = model;
  const accounts = model.selectableAccounts
    ? `<fieldset><legend>Accounts to share</legend>${model.selectableAccounts
        .map(
          (account) =>
            `<label><input type="checkbox" name="account" value="${escapeHtml(account.resourceId)}" checked> ${escapeHtml(account.name)} — ${escapeHtml(maskIban(account.iban))} (${escapeHtml(account.currency)})</label>`,
        )
        .join("")}</fieldset>`
    : "";
  const error = model.error ? `<p role="alert" class="error">${escapeHtml(model.error)}</p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(institution.name)} — sandbox consent</title>
<link rel="stylesheet" href="${CONSENT_STYLESHEET_PATH}">
</head>
<body>
<main>
<p><small>finboard sandbox bank — simulated, no real bank is contacted</small></p>
<h1>${escapeHtml(institution.name)}</h1>
<p>An app is asking to read your account information at <strong>${escapeHtml(institution.name)}</strong>.</p>
<ul>
<li>Access to: ${escapeHtml(model.scopes.join(", "))}</li>
<li>Transaction history: ${model.historyDays} days</li>
<li>Access valid for: ${model.accessDays} days</li>
</ul>
${error}
<form method="post" action="${escapeHtml(model.formAction)}">
${accounts}
<div class="actions">
<button type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="reject">Reject</button>
</div>
</form>
</main>
</body>
</html>
`;
}

/** A short page with a message, in the consent screen's look. */
function messagePage(title: string, heading: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="${CONSENT_STYLESHEET_PATH}"></head><body><main><h1>${escapeHtml(heading)}</h1><p>${escapeHtml(text)}</p></main></body></html>`;
}

/** A page for a link that does not exist. */
export function renderUnknownLinkPage(): string {
  return messagePage(
    "Link not found",
    "This consent link is not valid",
    "Ask the app to start linking your bank again.",
  );
}

/** A page for a link whose requisition would send the browser somewhere other than the app. */
export function renderUnusableLinkPage(): string {
  return messagePage(
    "Link cannot be used",
    "This consent link cannot be used",
    "It does not lead back to this app. Ask the app to start linking your bank again.",
  );
}

/** A logo for an institution: its initials on a colour derived from its id. */
export function renderLogo(institution: SandboxInstitution): string {
  const [word = 0] = hash128(institution.id);
  const hue = word % 360;
  const initials = institution.name
    .split(/\s+/)
    .map((part) => part[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="hsl(${hue},55%,40%)"/><text x="32" y="41" font-family="sans-serif" font-size="24" font-weight="700" text-anchor="middle" fill="#fff">${escapeHtml(initials)}</text></svg>`;
}
