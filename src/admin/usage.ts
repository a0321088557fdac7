import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TollgateError } from '../errors.ts';
import { adminErrors, EventPageView, EventsQuery, IdParams, UsageQuery, UsageReport } from './schemas.ts';
import type { AdminRouteOptions } from './users.ts';
import { parseTime } from './validation.ts';
import { toEventView, toReport } from './views.ts';

const HOUR_MS = 3_600_000;
const DEFAULT_RANGE_MS = 30 * 86_400_000;

/**
 * Usage: a user's events (newest first, cursor paging that stays stable while new events arrive)
 * and reports over any range, read from the hourly rollups the store keeps at charge time.
 */
export const usageRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, { store, now }) => {
  app.get('/users/:id/events', {
    schema: {
      tags: ['usage'],
      summary: "A user's usage events, newest first; also for a deleted user, whose events are kept",
      params: IdParams,
      querystring: EventsQuery,
      response: { 200: EventPageView, ...adminErrors },
    },
  }, async (request) => {
    const { limit = 50, before } = request.query;
    const page = await store.listEvents({ userId: request.params.id, before: before ?? null, limit });
    return { events: page.events.map(toEventView), next: page.next };
  });

  app.get('/usage', {
    schema: {
      tags: ['usage'],
      summary: 'Usage report over a time range, grouped by user, model, key or day',
      querystring: UsageQuery,
      response: { 200: UsageReport, ...adminErrors },
    },
  }, async (request) => {
    const q = request.query;
    const to = q.to === undefined ? now() : parseTime(q.to, 'to');
    const from = q.from === undefined ? to - DEFAULT_RANGE_MS : parseTime(q.from, 'from');
    if (from >= to) throw new TollgateError('TG_INVALID_REQUEST', '`from` must be earlier than `to`.', { param: 'from' });
    const groupBy = q.groupBy ?? 'user';
    const rows = await store.usageReport({ from, to, groupBy, ...(q.userId !== undefined ? { userId: q.userId } : {}) });
    return {
      // The rollups are hourly, so the range actually covered is widened to whole hours.
      from: new Date(Math.floor(from / HOUR_MS) * HOUR_MS).toISOString(),
      to: new Date(Math.ceil(to / HOUR_MS) * HOUR_MS).toISOString(),
      groupBy,
      userId: q.userId ?? null,
      ...toReport(rows, groupBy),
    };
  });
};
