import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { SandboxConfig } from '../config';
import { SANDBOX_CONFIG } from '../sandbox.tokens';
import { ChapaHttpError } from './chapa-envelope';

/** Every /v1 route wants `Authorization: Bearer <secret key>`, and answers 401 like Chapa otherwise. */
@Injectable()
export class ChapaAuthGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(SANDBOX_CONFIG) config: SandboxConfig) {
    this.expected = Buffer.from(config.secretKey, 'utf8');
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    if (!header) throw new ChapaHttpError(401, 'Authorization required');
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    const given = Buffer.from(match ? match[1].trim() : '', 'utf8');
    const ok = given.length === this.expected.length && timingSafeEqual(given, this.expected);
    if (!ok) throw new ChapaHttpError(401, "Invalid API Key or User doesn't exist");
    return true;
  }
}
