/**
 * Files served to anyone, signed in or not: the app icon and public/ assets (DuckDB's wasm
 * bundles among them). Next's build output (/_next/…) is public through server/auth/access.ts.
 */
const STATIC_ASSET = /\.(?:svg|png|ico|wasm|js|css)$/;

/** True for a path the proxy serves without asking for a session. */
export function isStaticAssetPath(pathname: string): boolean {
  return STATIC_ASSET.test(pathname);
}
