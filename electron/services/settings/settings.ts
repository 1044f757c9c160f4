import path from 'node:path';
import type { MethodInput } from '../../../shared/contract/api.ts';
import { appSettingsDefaults, type AppSettings } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { Db } from '../db/database.ts';
import { isPseudoFileSystemPath } from '../files/safe-fs.ts';

export function defaultSettings(dataDir: string): AppSettings {
  return { ...appSettingsDefaults, modelsDir: path.join(dataDir, 'models') };
}

/** App settings live in the settings table as one JSON value per key, merged over the defaults. */
export function createSettingsService(db: Db, defaults: AppSettings) {
  let cache: AppSettings | null = null;
  return {
    async get(): Promise<AppSettings> {
      if (cache) return cache;
      const rows = await db.selectFrom('settings').selectAll().execute();
      const stored = Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.value) as unknown]));
      cache = { ...defaults, ...stored } as AppSettings;
      return cache;
    },
    async update(patch: MethodInput<'settings.update'>): Promise<AppSettings> {
      const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
      if (patch.modelsDir !== undefined && !path.isAbsolute(patch.modelsDir)) {
        throw new ApiError('VALIDATION', 'The models folder must be an absolute path.', { field: 'modelsDir' });
      }
      if (patch.modelsDir !== undefined && isPseudoFileSystemPath(patch.modelsDir)) {
        throw new ApiError('VALIDATION', `${patch.modelsDir} is a system folder, not a place for models. Choose a folder of your own.`, { field: 'modelsDir', reason: 'system_folder' });
      }
      await db.transaction().execute(async (trx) => {
        for (const [key, value] of entries) {
          await trx
            .insertInto('settings')
            .values({ key, value: JSON.stringify(value) })
            .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) }))
            .execute();
        }
      });
      cache = null;
      return this.get();
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
