/**
 * The admin API's wire types, taken from its route schemas so the page and the API cannot drift
 * apart silently: `npm run typecheck:web` fails when a field the page reads changes.
 */
import type { Static } from 'typebox';
import type { UsageReport as UsageReportSchema } from '../../src/admin/schemas.ts';

export type { EventView, KeyView, UsageRow, UsageTotals, UserView } from '../../src/admin/schemas.ts';
export type UsageReport = Static<typeof UsageReportSchema>;
export type Period = 'day' | 'week' | 'month' | 'lifetime';
export type GroupBy = 'user' | 'model' | 'key' | 'day';
