export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __TUTORHUB_CONTAINERS__?: Array<{ stop: () => Promise<unknown> }> }).__TUTORHUB_CONTAINERS__ ?? [];
  await Promise.all(started.map((c) => c.stop()));
}
