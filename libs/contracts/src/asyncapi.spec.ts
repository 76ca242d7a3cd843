import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAsyncApiDocument } from './asyncapi';
import { EVENT_CATALOGUE, eventDefinition } from './events/catalogue';

describe('AsyncAPI document', () => {
  const doc = buildAsyncApiDocument() as {
    asyncapi: string;
    channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
    components: { messages: Record<string, { name: string; payload: { properties: Record<string, unknown> } }> };
  };

  it('is the committed libs/contracts/asyncapi.json (run `npm run contracts:generate` after changing an event)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'asyncapi.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('has one channel and message per catalogued event, with resolvable references', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(Object.values(doc.channels).map((c) => c.address).sort()).toEqual(EVENT_CATALOGUE.map((e) => e.type).sort());
    for (const channel of Object.values(doc.channels)) {
      for (const ref of Object.values(channel.messages)) {
        const key = ref.$ref.replace('#/components/messages/', '');
        expect(doc.components.messages[key]?.name).toBe(channel.address);
        expect(doc.components.messages[key].payload.properties.data).toBeDefined();
      }
    }
  });

  it('names event types by <producer>.<aggregate>.<past-tense verb>.v<N>', () => {
    for (const def of EVENT_CATALOGUE) {
      expect(def.type).toMatch(/^(identity|bookings|payments|sessions|notifications)\.[a-z_]+\.[a-z_]+\.v\d+$/);
      expect(eventDefinition(def.type)).toBe(def);
    }
  });

  it('keeps money as integer minor units in every payload schema', () => {
    const text = JSON.stringify(doc);
    // every money object is {amountMinor: integer, currency: enum}
    const amounts = [...text.matchAll(/"amountMinor":\{"type":"(\w+)"/g)].map((m) => m[1]);
    expect(amounts.length).toBeGreaterThan(5);
    expect(new Set(amounts)).toEqual(new Set(['integer']));
  });
});
