import type { Cluster } from './cluster';
import { deadLetterDepths } from './broker';
import { assertEventsDelivered, assertExactlyOnce, assertJourneyOutcomes } from './effects';
import { assertMoneyInvariants } from '@tutorhub/testing';
import type { JourneyResult } from './journey';

/**
 * Everything a scenario must leave true: every journey ended as it must in every service, no
 * event missing (published, and handled by each consumer) and none dead-lettered, every effect
 * exactly once, and the money invariants. Returns the figures for the scenario's record.
 */
export async function assertAllWell(cluster: Cluster, journeys: JourneyResult[]) {
  await assertJourneyOutcomes(cluster.db.url, journeys);
  const delivered = await assertEventsDelivered(cluster.db.url);
  const dlq = await deadLetterDepths(cluster);
  if (Object.values(dlq).some((n) => n > 0)) throw new Error(`valid events were dead-lettered: ${JSON.stringify(dlq)}`);
  await assertExactlyOnce(cluster.db.url);
  const money = await assertMoneyInvariants(cluster.db.url);
  return { delivered, money };
}
