import { type ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';

/**
 * Under /v1 every error leaves in Chapa's envelope, including the ones Nest or Express
 * raise themselves (unknown route, malformed JSON). Other routes keep Nest's defaults.
 */
@Catch()
export class ChapaExceptionFilter extends BaseExceptionFilter {
  private readonly log = new Logger('ChapaSandbox');

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (!req?.path?.startsWith('/v1') || res.headersSent) {
      super.catch(exception, host);
      return;
    }
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let message = 'Something went wrong';
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      if (typeof body === 'object' && body !== null && 'status' in body && 'data' in body) {
        res.status(status).json(body);
        return;
      }
      message = typeof body === 'string' ? body : exception.message;
    } else {
      this.log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    res.status(status).json({ message, status: 'failed', data: null });
  }
}
