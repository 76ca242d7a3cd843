import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { SandboxConfig } from '../config';
import { SandboxStore } from '../domain/sandbox-store';
import { SANDBOX_CONFIG } from '../sandbox.tokens';
import { landingPage } from './checkout.page';

/** `GET /`: the sandbox's front page with its 50 latest transactions (the start banner points here). */
@Controller()
export class LandingController {
  constructor(
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
    private readonly store: SandboxStore,
  ) {}

  @Get()
  show(@Res() res: Response): void {
    res
      .status(200)
      .type('html')
      .send(landingPage(this.store.recentTransactions(50), { publicBaseUrl: this.config.publicBaseUrl ?? '', webhookUrl: this.config.webhookUrl }));
  }
}
