import { METHODS } from 'node:http';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '@tutorhub/platform';

/** What this module needs of an Express (router 2) route layer. */
interface RouteLayer {
  matchers?: Array<(path: string) => unknown>;
  route?: { methods?: Record<string, boolean>; _methods?: unknown; path?: unknown };
}

interface KnownRoute {
  matches: (path: string) => boolean;
  methods: Set<string>;
}

/**
 * The methods each route path answers, read from the Express router once the application has
 * started (every controller, the probes, /metrics and /docs are registered by then), never
 * written by hand. A request whose path is known but whose method is not is answered
 * `405 method_not_allowed` with an `Allow` header; an unknown path stays a 404.
 */
@Injectable()
export class AllowedMethods implements OnApplicationBootstrap {
  private routes: KnownRoute[] | undefined;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance() as { router?: { stack?: RouteLayer[] } } | undefined;
    const stack = instance?.router?.stack ?? [];
    this.routes = stack.flatMap((layer): KnownRoute[] => {
      if (!layer.route?.methods || !Array.isArray(layer.matchers)) return [];
      const methods = new Set(
        Object.entries(layer.route.methods)
          .filter(([, on]) => on)
          .map(([m]) => m.toUpperCase()),
      );
      // A route for every method (`all`: Nest's catch-alls) never makes another method "not allowed".
      if (methods.has('_ALL') || METHODS.every((m) => methods.has(m))) return [];
      if (methods.has('GET')) methods.add('HEAD');
      const matchers = layer.matchers;
      return [{ matches: (path) => matchers.some((m) => m(path) !== false), methods }];
    });
  }

  /** The methods `path` answers (none when the path is unknown, or before the start). */
  allowed(path: string): Set<string> {
    const allowed = new Set<string>();
    for (const route of this.routes ?? []) {
      if (route.matches(path)) for (const m of route.methods) allowed.add(m);
    }
    return allowed;
  }

  /** Express middleware: 405 with `Allow` for a known path asked with a method it does not answer. */
  middleware(): (req: Request, res: Response, next: NextFunction) => void {
    return (req, res, next) => {
      if (!this.routes) return next();
      const allowed = this.allowed(req.path);
      if (allowed.size === 0 || allowed.has(req.method)) return next();
      const allow = [...allowed].sort().join(', ');
      res.setHeader('Allow', allow);
      next(new AppError(405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}; allowed: ${allow}.`, { allow: [...allowed].sort() }));
    };
  }
}
