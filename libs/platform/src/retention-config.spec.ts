import { z } from 'zod';
import { EVENT_AGE_MARGIN_MS, configIssues, loadConfig, maxEventAgeMs, sharedConfigShape } from './config';

const schema = z.object(sharedConfigShape);

describe('retention settings (shared by every service)', () => {
  it('default to 7 days of published outbox rows and 30 days of inbox ids, pruned hourly in batches of 1000', () => {
    expect(loadConfig(schema, {})).toMatchObject({ OUTBOX_RETENTION_HOURS: 168, INBOX_RETENTION_HOURS: 720, PRUNE_CRON: '23 * * * *', PRUNE_BATCH_SIZE: 1000 });
  });

  it('refuse an inbox retention shorter than 3 days (redeliveries of a backlog could outlive it) and a bad cron', () => {
    expect(configIssues(schema, { INBOX_RETENTION_HOURS: '71' })).toEqual(['INBOX_RETENTION_HOURS: Too small: expected number to be >=72']);
    expect(configIssues(schema, { INBOX_RETENTION_HOURS: '72' })).toEqual([]);
    expect(configIssues(schema, { PRUNE_CRON: 'hourly' })).toEqual(['PRUNE_CRON: must be a cron expression with 5 or 6 fields']);
    expect(configIssues(schema, { PRUNE_BATCH_SIZE: '0', OUTBOX_RETENTION_HOURS: '0' })).toHaveLength(2);
  });

  it('make consumers refuse events just younger than the inbox retention (a margin for clock skew)', () => {
    const c = loadConfig(schema, { INBOX_RETENTION_HOURS: '100' });
    expect(maxEventAgeMs(c)).toBe(100 * 3_600_000 - EVENT_AGE_MARGIN_MS);
    expect(maxEventAgeMs(c)).toBeLessThan(c.INBOX_RETENTION_HOURS * 3_600_000);
  });
});
