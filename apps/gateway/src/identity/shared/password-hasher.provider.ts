import type { Provider } from '@nestjs/common';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../../config';
import { PasswordHasher } from '../domain/password-hasher';

/** One hasher for the process, with the configured cost (its dummy hash is made once). */
export const passwordHasherProvider: Provider = {
  provide: PasswordHasher,
  inject: [CONFIG],
  useFactory: (config: GatewayConfig) => new PasswordHasher({ logN: config.PASSWORD_SCRYPT_LOG_N, r: 8, p: 1 }),
};
