import { HttpException } from '@nestjs/common';
import type { Request } from 'express';
import type { SandboxConfig } from '../config';
import { SandboxRefusal } from '../domain/sandbox-store';

// Chapa answers everything in one envelope: {"message", "status", "data"}. Failures carry
// "status": "failed" and "data": null; validation failures put an object of field → errors
// in "message" (Laravel style).

export type ChapaMessage = string | Record<string, string[]>;

export interface ChapaEnvelope {
  message: ChapaMessage;
  status: string | null;
  data: unknown;
}

export function chapaSuccess(message: string, data: unknown): ChapaEnvelope {
  return { message, status: 'success', data };
}

export class ChapaHttpError extends HttpException {
  constructor(httpStatus: number, message: ChapaMessage, status: string | null = 'failed') {
    const body: ChapaEnvelope = { message, status, data: null };
    super(body, httpStatus);
  }
}

export function refusal(err: unknown): never {
  if (err instanceof SandboxRefusal) throw new ChapaHttpError(err.httpStatus, err.message);
  throw err;
}

/** The sandbox's own public base: configured, or derived from the request when not. */
export function publicBase(config: SandboxConfig, req: Request): string {
  if (config.publicBaseUrl) return config.publicBaseUrl;
  return `${req.protocol}://${req.get('host') ?? `127.0.0.1:${config.port}`}`;
}
