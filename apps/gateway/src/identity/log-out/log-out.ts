import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '@tutorhub/platform';
import { refreshTokenDigest } from '../domain/refresh-token';
import { announceRevocation, revokeFamilyOfToken } from '../refresh-token.store';

/** Ends the session of a refresh token. */
@Injectable()
export class LogOut {
  constructor(
    @Inject(DataSource) private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Ends the session the token belongs to, and with it every access token issued for it: they
   * are refused from the moment this commits, on every replica (ADR 0015). Unknown or
   * already-ended tokens are fine (idempotent).
   */
  async logout(token: string): Promise<void> {
    await this.ds.transaction(async (em) => {
      for (const id of await revokeFamilyOfToken(em, refreshTokenDigest(token), this.clock.now())) await announceRevocation(em, id);
    });
  }
}
