/**
 * Agora channel names: under 64 bytes, drawn from a–z, A–Z, 0–9, space and
 * ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,
 * Every allowed character is ASCII, so bytes and characters coincide for a valid name.
 */
export const MAX_CHANNEL_NAME_BYTES = 63;

export const CHANNEL_NAME_PREFIX = 'th_';

const ALLOWED_CHANNEL_NAME = /^[A-Za-z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]+$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isValidChannelName(name: unknown): name is string {
  return (
    typeof name === 'string' && name.length <= MAX_CHANNEL_NAME_BYTES && ALLOWED_CHANNEL_NAME.test(name)
  );
}

/**
 * The channel of a booking's session: `th_` + the booking uuid in lower-case hex without
 * dashes (35 bytes). It is a pure function of the booking id, so every replica, and a
 * retried start, computes the same name; distinct uuids give distinct names (the mapping is
 * one-to-one on the 128-bit value, and upper/lower-case spellings of one uuid are one uuid).
 */
export function channelNameForBooking(bookingId: string): string {
  if (!UUID.test(bookingId)) {
    throw new RangeError(`channelNameForBooking: booking id must be a uuid, got ${JSON.stringify(bookingId)}`);
  }
  return CHANNEL_NAME_PREFIX + bookingId.toLowerCase().replace(/-/g, '');
}
