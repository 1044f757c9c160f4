import { z } from 'zod';
import { timestamp } from './fields.ts';

export interface AppInfo {
  name: 'EvalDesk';
  version: string;
  dataDir: string;
  databasePath: string;
  /** Set when the app started but could not open its data: the UI shows it instead of the screens. */
  startupError: { code: string; message: string } | null;
}

/** Whatever a person is typing, saved as they type under a key of what it belongs to. */
export const draftSchema = z.object({
  key: z.string(),
  value: z.unknown(),
  updatedAt: timestamp,
});
export type Draft = z.output<typeof draftSchema>;
