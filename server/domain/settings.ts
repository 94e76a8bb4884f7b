import { z } from "zod";
import { getConfig } from "@/server/config";
import type { Db } from "@/server/db/client";

/**
 * The owner's settings kept in the database: one row of `core.app_setting` (id 1). Today that
 * is the sync schedule only; the theme is per browser (a cookie) and never stored here.
 */

/** The one row's id. */
const SETTINGS_ID = 1;

/** Hours between scheduled syncs the owner may choose (the Settings page offers these). */
export const SYNC_INTERVAL_CHOICES = [1, 2, 3, 4, 6, 8, 12, 24] as const;

/**
 * Successful calls a bank allows per account and scope in 24 hours (GoCardless' limit, which
 * the sandbox bank enforces too). Syncing more often than every 24 / 4 = 6 hours may meet it.
 */
export const BANK_DAILY_CALL_QUOTA = 4;

/** The shortest interval that stays within {@link BANK_DAILY_CALL_QUOTA} (6 hours). */
export const QUOTA_SAFE_INTERVAL_HOURS = 24 / BANK_DAILY_CALL_QUOTA;

const choiceList = SYNC_INTERVAL_CHOICES.join(", ");

/**
 * A sync interval the owner may store: one of {@link SYNC_INTERVAL_CHOICES}, or `null` for the
 * default (SYNC_INTERVAL_HOURS).
 */
export const syncIntervalInputSchema = z
  .number({ error: "must be a whole number of hours" })
  .int("must be a whole number of hours")
  .refine((hours) => (SYNC_INTERVAL_CHOICES as readonly number[]).includes(hours), {
    message: `must be one of ${choiceList} hours`,
  })
  .nullable();

/** The settings as the app reads them. */
export const settingsSchema = z.object({
  /** Hours between scheduled syncs in effect: the stored choice, else the default. */
  syncIntervalHours: z.number().int().positive(),
  /** The owner's stored choice; null while the default applies. */
  storedSyncIntervalHours: z.number().int().positive().nullable(),
  /** SYNC_INTERVAL_HOURS, used while nothing is stored. */
  defaultSyncIntervalHours: z.number().int().positive(),
  /** When the settings were last changed; null while never. */
  updatedAt: z.date().nullable(),
});

/** What {@link getSettings} answers. */
export type Settings = z.infer<typeof settingsSchema>;

/** Where the default interval comes from (tests pass their own). */
export interface SettingsOptions {
  /** The default when nothing is stored; SYNC_INTERVAL_HOURS unless given. */
  defaultSyncIntervalHours?: number;
}

function defaultInterval(options: SettingsOptions): number {
  return options.defaultSyncIntervalHours ?? getConfig().SYNC_INTERVAL_HOURS;
}

/**
 * Reads the settings: the stored sync interval (if any) and the one in effect. Needs no row:
 * before the owner saves anything, every value is its default.
 */
export async function getSettings(db: Db, options: SettingsOptions = {}): Promise<Settings> {
  const row = await db.appSetting.findUnique({ where: { id: SETTINGS_ID } });
  const fallback = defaultInterval(options);
  const stored = row?.syncIntervalHours ?? null;
  return {
    syncIntervalHours: stored ?? fallback,
    storedSyncIntervalHours: stored,
    defaultSyncIntervalHours: fallback,
    updatedAt: row?.updatedAt ?? null,
  };
}

/**
 * The hours between scheduled syncs in effect now (the worker's schedule tick asks at every
 * tick, so a change on the Settings page applies within minutes, without a restart).
 */
export async function effectiveSyncIntervalHours(
  db: Db,
  options: SettingsOptions = {},
): Promise<number> {
  return (await getSettings(db, options)).syncIntervalHours;
}

/**
 * Stores the hours between scheduled syncs (`null`: back to the default). Validates with
 * {@link syncIntervalInputSchema} and throws its ZodError on anything else, changing nothing.
 * Resolves with the settings now in effect.
 */
export async function setSyncInterval(
  db: Db,
  hours: number | null,
  options: SettingsOptions = {},
): Promise<Settings> {
  const value = syncIntervalInputSchema.parse(hours);
  await db.appSetting.upsert({
    where: { id: SETTINGS_ID },
    create: { id: SETTINGS_ID, syncIntervalHours: value },
    update: { syncIntervalHours: value },
  });
  return getSettings(db, options);
}

/**
 * Whether an interval may meet the bank's daily quota (more often than every
 * {@link QUOTA_SAFE_INTERVAL_HOURS} hours). The sync then skips the calls the quota would refuse.
 */
export function mayExceedBankQuota(hours: number): boolean {
  return hours < QUOTA_SAFE_INTERVAL_HOURS;
}
