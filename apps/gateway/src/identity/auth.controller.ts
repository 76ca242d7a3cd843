import { Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { ApiZodResponse, AuthRateLimit, CurrentActor, Public, ZodBody } from '../http';
import { IdentityService } from './identity.service';

@ApiTags('auth')
@AuthRateLimit()
@Controller('auth')
export class AuthController {
  constructor(private readonly identity: IdentityService) {}

  @Public()
  @Post('register')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Create a student or tutor account and log in', description: 'Passwords: 10 to 200 characters. 409 `auth.email_taken` if the email is in use.' })
  @ApiZodResponse(authSessionSchema, { status: 201, description: 'The account and a new session.' })
  register(@ZodBody(registerInput) body: RegisterInput) {
    return this.identity.register(body);
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Log in with email and password', description: '401 `auth.invalid_credentials` for an unknown email or a wrong password alike.' })
  @ApiZodResponse(authSessionSchema, { description: 'A new session.' })
  login(@ZodBody(loginInput) body: LoginInput) {
    return this.identity.login(body);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens',
    description:
      'Refresh tokens are single-use: the answer carries a new one. Presenting a token that was already used ends the whole session ' +
      '(401 `auth.refresh_token_reused`); later refreshes of that session answer 401 `auth.refresh_token_revoked`.',
  })
  @ApiZodResponse(authSessionSchema, { description: 'New access and refresh tokens.' })
  refresh(@ZodBody(refreshInput) body: { refreshToken: string }) {
    return this.identity.refresh(body.refreshToken);
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session of a refresh token', description: 'Idempotent. Access tokens already issued stay valid until they expire (ACCESS_TOKEN_TTL_SECONDS).' })
  async logout(@ZodBody(logoutInput) body: { refreshToken: string }): Promise<void> {
    await this.identity.logout(body.refreshToken);
  }
}

@ApiTags('auth')
@Controller('me')
export class MeController {
  constructor(private readonly identity: IdentityService) {}

  @Get()
  @ApiOperation({ summary: 'The calling user' })
  @ApiZodResponse(userSchema)
  me(@CurrentActor() actor: Actor) {
    return this.identity.me(actor);
  }
}
