import { RtcRole, RtcTokenBuilder } from 'agora-token';
import { isValidChannelName } from '../domain/channel-name';
import { isValidUid } from '../domain/participant-uid';

/** Agora caps every privilege at 24 hours. */
export const AGORA_MAX_PRIVILEGE_SECONDS = 24 * 60 * 60;

export interface RtcTokenRequest {
  /** AGORA_APP_ID, 32 hex characters. */
  readonly appId: string;
  /** AGORA_APP_CERTIFICATE, 32 hex characters. */
  readonly appCertificate: string;
  readonly channelName: string;
  /** 1..2^32−1; 0 ("any user") is never issued. */
  readonly uid: number;
  /** When the caller wants access to stop: scheduled end + overtime grace. */
  readonly expiresAt: Date;
  /** The wall clock. The package stamps its own clock as the token's issue time, so pass the real time. */
  readonly now: Date;
}

export interface RtcToken {
  readonly token: string;
  /** When the token and its privileges actually lapse (see buildRtcToken); hand this to the client. */
  readonly expiresAt: Date;
}

export type AgoraTokenErrorCode = 'agora.invalid_credentials' | 'agora.invalid_uid' | 'agora.invalid_channel_name' | 'agora.invalid_time';

export class AgoraTokenError extends Error {
  constructor(
    readonly code: AgoraTokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgoraTokenError';
  }
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

/**
 * A publisher RTC token (join + publish audio, video, data) for one uid in one channel,
 * built by `agora-token`'s RtcTokenBuilder.buildTokenWithUid.
 *
 * Lifetime: AccessToken2 counts whole seconds after its issue second, so the lifetime is
 * `floor(expiresAt) − floor(now)` in seconds, at least 1 (an expiry already passed still
 * yields a token that lapses at once rather than a malformed one; callers refuse ended
 * sessions before getting here), and at most 24 h, Agora's privilege maximum. Token and
 * privileges get the same lifetime.
 *
 * A session whose end + grace lies more than 24 h ahead therefore gets a token that lapses
 * after 24 h, and the returned `expiresAt` says so. The client renews as for any token:
 * the SDK fires onTokenPrivilegeWillExpire 30 s before, and the app calls
 * POST /api/sessions/:bookingId/token for a fresh one, again capped at 24 h from then.
 */
export function buildRtcToken(request: RtcTokenRequest): RtcToken {
  const { appId, appCertificate, channelName, uid, expiresAt, now } = request;
  if (!HEX32.test(appId) || !HEX32.test(appCertificate)) {
    throw new AgoraTokenError('agora.invalid_credentials', 'Agora app id and app certificate must be 32 hex characters each');
  }
  if (!isValidUid(uid)) {
    throw new AgoraTokenError('agora.invalid_uid', `Agora uid must be an integer from 1 to 2^32−1, got ${uid}`);
  }
  if (!isValidChannelName(channelName)) {
    throw new AgoraTokenError('agora.invalid_channel_name', `Invalid Agora channel name ${JSON.stringify(channelName)}`);
  }
  const nowMs = now instanceof Date ? now.getTime() : Number.NaN;
  const expiresMs = expiresAt instanceof Date ? expiresAt.getTime() : Number.NaN;
  if (Number.isNaN(nowMs) || Number.isNaN(expiresMs)) {
    throw new AgoraTokenError('agora.invalid_time', 'now and expiresAt must be valid Dates');
  }

  const issuedAtSeconds = Math.floor(nowMs / 1000);
  const wantedSeconds = Math.floor(expiresMs / 1000) - issuedAtSeconds;
  const lifetimeSeconds = Math.min(AGORA_MAX_PRIVILEGE_SECONDS, Math.max(1, wantedSeconds));

  const token = RtcTokenBuilder.buildTokenWithUid(
    appId,
    appCertificate,
    channelName,
    uid,
    RtcRole.PUBLISHER,
    lifetimeSeconds,
    lifetimeSeconds,
  );
  if (!token) {
    // The package answers '' instead of throwing when it rejects its input.
    throw new AgoraTokenError('agora.invalid_credentials', 'agora-token refused to build a token');
  }
  return { token, expiresAt: new Date((issuedAtSeconds + lifetimeSeconds) * 1000) };
}
