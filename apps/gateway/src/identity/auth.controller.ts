import { Controller, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  authSessionSchema,
  loginInput,
  logoutInput,
  refreshInput,
  registerInput,
  userSchema,
  type Actor,
  type LoginInput,
  type RegisterInput,
} from '@tutorhub/contracts';
import { AppError } from '@tutorhub/platform';
import { ApiOperation, ApiTags, ApiZodResponse, AuthRateLimit, CurrentActor, PasswordWork, Public, ZodBody } from '../http';
import { GetMe } from './get-me/get-me';
import { LogIn } from './log-in/log-in';
import { LogOut } from './log-out/log-out';
import { RefreshSession } from './refresh-session/refresh-session';
import { Register } from './register/register';

/** The HTTP face of identity: each route parses its body and calls its use case (one folder each). */
@ApiTags('auth')
@AuthRateLimit()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly registration: Register,
    private readonly logIn: LogIn,
    private readonly refreshSession: RefreshSession,
    private readonly logOut: LogOut,
  ) {}

  @Public()
  @Post('register')
  @PasswordWork()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Create a student or tutor account and log in', description: 'Passwords: 10 to 200 characters. 409 `auth.email_taken` if the email is in use.' })
  @ApiZodResponse(authSessionSchema, { status: 201, description: 'The account and a new session.' })
  register(@ZodBody(registerInput) body: RegisterInput) {
    return this.registration.register(body);
  }

  @Public()
  @Post('login')
  @PasswordWork()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Log in with email and password',
    description:
      '401 `auth.invalid_credentials` for an unknown email or a wrong password alike. After repeated failures for an account ' +
      '(from this address, or from many addresses) further attempts wait: 429 `auth.login_throttled` with `Retry-After` (seconds), ' +
      'growing exponentially up to a bound; the password is not checked meanwhile. Unknown emails are throttled alike.',
  })
  @ApiZodResponse(authSessionSchema, { description: 'A new session.' })
  async login(@ZodBody(loginInput) body: LoginInput, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    try {
      // req.ip honours TRUST_PROXY: behind the ingress it is the client's address, otherwise the connection's.
      return await this.logIn.login(body, req.ip ?? req.socket.remoteAddress ?? 'unknown');
    } catch (err) {
      if (err instanceof AppError && err.code === 'auth.login_throttled') res.setHeader('Retry-After', String(err.details?.retryAfterSeconds ?? 1));
      throw err;
    }
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens',
    description:
      'Refresh tokens are single-use: the answer carries a new one. Presenting a token that was already used ends the whole session ' +
      '(401 `auth.refresh_token_reused`) and refuses its access tokens at once (401 `auth.token_revoked`); later refreshes of that session ' +
      'answer 401 `auth.refresh_token_revoked`.',
  })
  @ApiZodResponse(authSessionSchema, { description: 'New access and refresh tokens.' })
  refresh(@ZodBody(refreshInput) body: { refreshToken: string }) {
    return this.refreshSession.refresh(body.refreshToken);
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End the session of a refresh token',
    description:
      'Idempotent. The access tokens of that session are refused from when this answers, on every route (401 `auth.token_revoked`), ' +
      'and its open notification streams end with `event: session_revoked`.',
  })
  async logout(@ZodBody(logoutInput) body: { refreshToken: string }): Promise<void> {
    await this.logOut.logout(body.refreshToken);
  }
}

@ApiTags('auth')
@Controller('me')
export class MeController {
  constructor(private readonly getMe: GetMe) {}

  @Get()
  @ApiOperation({ summary: 'The calling user' })
  @ApiZodResponse(userSchema)
  me(@CurrentActor() actor: Actor) {
    return this.getMe.me(actor);
  }
}
