import { freePort, runAppToExit } from '@tutorhub/testing';

/** The sandbox logs JSON lines shaped like the services' (level, time, name, msg). */
describe('chapa-sandbox log output (a real process)', () => {
  it('logs its start as JSON', async () => {
    const port = await freePort();
    const { lines } = await runAppToExit('chapa-sandbox', [], { PORT: String(port) }, { until: (line) => line.includes('Chapa sandbox on') });
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.find((l) => String(l.msg).includes(`Chapa sandbox on :${port}`))).toMatchObject({ level: 30, time: expect.any(Number), name: 'chapa-sandbox' });
  });

  it('reports invalid configuration as a JSON line', async () => {
    const { code, lines } = await runAppToExit('chapa-sandbox', [], { PORT: 'eighty' });
    expect(code).toBe(1);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([expect.objectContaining({ level: 60, name: 'chapa-sandbox', msg: expect.stringContaining('PORT') })]);
  });
});
