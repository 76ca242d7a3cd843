import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

export interface DiscoveredHandler {
  key: string;
  name: string;
  invoke: (...args: unknown[]) => Promise<unknown>;
  /** What `detailKey` (when asked) holds on the method, e.g. the RPC definition. */
  detail?: unknown;
}

/** Finds provider methods carrying a handler decorator; one handler per key, or start fails loudly. */
@Injectable()
export class HandlerDiscovery {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  find(metadataKey: string, detailKey?: string): Map<string, DiscoveredHandler> {
    const found = new Map<string, DiscoveredHandler>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const proto = Object.getPrototypeOf(instance);
      if (!proto) continue;
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const key = this.reflector.get<string | undefined>(metadataKey, fn as never);
        if (!key) continue;
        const name = `${proto.constructor.name}.${method}`;
        const existing = found.get(key);
        if (existing) throw new Error(`Both ${existing.name} and ${name} handle ${key}`);
        const detail = detailKey ? this.reflector.get<unknown>(detailKey, fn as never) : undefined;
        found.set(key, { key, name, detail, invoke: (...args: unknown[]) => Promise.resolve((fn as (...a: unknown[]) => unknown).apply(instance, args)) });
      }
    }
    return found;
  }
}
