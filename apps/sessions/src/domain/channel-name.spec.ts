import fc from 'fast-check';
import { channelNameForBooking, isValidChannelName, MAX_CHANNEL_NAME_BYTES } from './channel-name';

describe('channelNameForBooking', () => {
  it('is th_ + the lower-case uuid without dashes', () => {
    expect(channelNameForBooking('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe('th_0f8fad5bd9cb469fa16570867728950e');
  });

  it('is the same for every spelling of one uuid and on every call', () => {
    const lower = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(channelNameForBooking(lower)).toBe(channelNameForBooking(lower.toUpperCase()));
    expect(channelNameForBooking(lower)).toBe(channelNameForBooking(lower));
  });

  it('is 35 bytes and a valid Agora channel name', () => {
    const name = channelNameForBooking('ffffffff-ffff-ffff-ffff-ffffffffffff');
    expect(Buffer.byteLength(name, 'utf8')).toBe(35);
    expect(isValidChannelName(name)).toBe(true);
  });

  it('differs for bookings that differ in a single digit', () => {
    expect(channelNameForBooking('00000000-0000-4000-8000-000000000001')).not.toBe(
      channelNameForBooking('00000000-0000-4000-8000-000000000002'),
    );
  });

  it('gives distinct, valid names to distinct uuids (property)', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (a, b) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase());
        const [nameA, nameB] = [channelNameForBooking(a), channelNameForBooking(b)];
        expect(nameA).not.toBe(nameB);
        expect(isValidChannelName(nameA)).toBe(true);
      }),
    );
  });

  it.each([
    '',
    'booking-1',
    '0f8fad5bd9cb469fa16570867728950e',
    '{0f8fad5b-d9cb-469f-a165-70867728950e}',
    '0f8fad5b-d9cb-469f-a165-70867728950',
    '0f8fad5b-d9cb-469f-a165-70867728950g',
    ' 0f8fad5b-d9cb-469f-a165-70867728950e',
  ])('refuses a booking id that is not a uuid: %j', (id) => {
    expect(() => channelNameForBooking(id)).toThrow(RangeError);
  });
});

describe('isValidChannelName', () => {
  it('accepts every character Agora allows', () => {
    const allowed = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&()+-:;<=.>?@[]^_{}|~,';
    for (const char of allowed) {
      expect(isValidChannelName(`a${char}b`)).toBe(true);
    }
  });

  it.each(['/', '\\', '"', "'", '*', '`', '\t', '\n', '\0', 'é', '中', '😀'])('refuses %j', (char) => {
    expect(isValidChannelName(`a${char}b`)).toBe(false);
  });

  it('accepts 63 bytes and refuses 64 (Agora: under 64 bytes)', () => {
    expect(MAX_CHANNEL_NAME_BYTES).toBe(63);
    expect(isValidChannelName('x'.repeat(63))).toBe(true);
    expect(isValidChannelName('x'.repeat(64))).toBe(false);
  });

  it('refuses the empty string and non-strings', () => {
    expect(isValidChannelName('')).toBe(false);
    expect(isValidChannelName(undefined)).toBe(false);
    expect(isValidChannelName(42)).toBe(false);
  });
});
