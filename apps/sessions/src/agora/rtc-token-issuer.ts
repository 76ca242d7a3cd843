import { Inject, Injectable } from '@nestjs/common';
import type { AgoraAccess } from '@tutorhub/contracts';
import { CONFIG } from '@tutorhub/service';
import type { SessionsConfig } from '../config';
import { buildRtcToken } from './agora-token';
import { decodeAccessToken2 } from './agora-token.decode';

/**
 * Issues publisher RTC tokens with the service's Agora credentials.
 *
 * `agora-token` stamps the token with its own reading of the wall clock, so the lifetime must
 * be counted from the real time, not from the injected Clock (they agree in production; tests
 * move the Clock but not the wall). The package reads the clock a moment after we do: if a
 * second boundary falls in between, the token would outlive `expiresAt` by a second, so the
 * token is decoded and rebuilt when its issue second is not the one its lifetime was counted
 * from. The `expiresAt` handed to the client is read from the token itself.
 */
@Injectable()
export class RtcTokenIssuer {
  constructor(@Inject(CONFIG) private readonly config: SessionsConfig) {}

  issue(channelName: string, uid: number, expiresAt: Date): AgoraAccess {
    for (let attempt = 0; ; attempt += 1) {
      const wall = new Date();
      const built = buildRtcToken({
        appId: this.config.AGORA_APP_ID,
        appCertificate: this.config.AGORA_APP_CERTIFICATE,
        channelName,
        uid,
        expiresAt,
        now: wall,
      });
      const decoded = decodeAccessToken2(built.token);
      if (decoded.issueTs === Math.floor(wall.getTime() / 1000) || attempt >= 2) {
        return {
          appId: this.config.AGORA_APP_ID,
          channelName,
          uid,
          token: built.token,
          expiresAt: new Date((decoded.issueTs + decoded.expire) * 1000).toISOString(),
        };
      }
    }
  }
}
