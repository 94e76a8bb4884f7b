/**
 * The last build, kept in IndexedDB for the next visit: the chart data of the last filter (drawn
 * at once, before DuckDB has started) and the built tables the page queries (restored into
 * DuckDB instead of downloading and building again while the data version is unchanged).
 * Everything here fails soft: without IndexedDB (a private window, say) the page just builds.
 */
import type { InsightsData } from "./queries";

/** One saved build. */
export interface SavedInsights {
  /** The data version the tables were built from. */
  version: string;
  savedAt: number;
  data: InsightsData;
  tables: Record<string, Uint8Array>;
}

const DATABASE = "finboard-insights";
const STORE = "builds";
const KEY = "last";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB did not open"));
  });
}

async function run<T>(
  mode: IDBTransactionMode,
  action: (store: IDBObjectStore) => IDBRequest,
): Promise<T | undefined> {
  const db = await open();
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result as T | undefined);
      transaction.onerror = () => reject(transaction.error ?? new Error("IndexedDB failed"));
      transaction.onabort = () => reject(transaction.error ?? new Error("IndexedDB aborted"));
    });
  } finally {
    db.close();
  }
}

/** The saved build, or null when there is none (or IndexedDB is unavailable). */
export async function loadSaved(): Promise<SavedInsights | null> {
  try {
    const saved = await run<SavedInsights>("readonly", (store) => store.get(KEY));
    return saved && typeof saved.version === "string" && saved.data ? saved : null;
  } catch {
    return null;
  }
}

/** Saves a build (replacing the previous one); failures are ignored. */
export async function saveBuild(saved: SavedInsights): Promise<void> {
  try {
    await run("readwrite", (store) => store.put(saved, KEY));
  } catch {
    // A full or unavailable IndexedDB only costs the next visit a build.
  }
}

/** Replaces only the chart data of the saved build (after a filter change). */
export async function saveData(data: InsightsData): Promise<void> {
  const saved = await loadSaved();
  if (saved) await saveBuild({ ...saved, data, savedAt: Date.now() });
}
