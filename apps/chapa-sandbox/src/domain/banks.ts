// A few Ethiopian banks and wallets in the shape of Chapa's GET /v1/banks answer. The ids
// are the sandbox's own; clients must take them from /v1/banks rather than hard-code them.

export interface SandboxBank {
  id: number;
  slug: string;
  swift: string;
  name: string;
  acct_length: number;
  country_id: number;
  is_mobilemoney: number | null;
  is_active: number;
  is_rtgs: number | null;
  active: number;
  is_24hrs: number | null;
  created_at: string;
  updated_at: string;
  currency: 'ETB';
}

const STAMP = '2023-01-24T04:28:30.000000Z';

function bank(
  id: number,
  slug: string,
  swift: string,
  name: string,
  acctLength: number,
  kind: 'bank' | 'wallet',
): SandboxBank {
  return {
    id,
    slug,
    swift,
    name,
    acct_length: acctLength,
    country_id: 1,
    is_mobilemoney: kind === 'wallet' ? 1 : null,
    is_active: 1,
    is_rtgs: kind === 'bank' ? 1 : null,
    active: 1,
    is_24hrs: kind === 'wallet' ? 1 : null,
    created_at: STAMP,
    updated_at: STAMP,
    currency: 'ETB',
  };
}

export const SANDBOX_BANKS: readonly SandboxBank[] = [
  bank(946, 'cbe_bank', 'CBETETAA', 'Commercial Bank of Ethiopia (CBE)', 13, 'bank'),
  bank(656, 'awash_bank', 'AWINETAA', 'Awash Bank', 14, 'bank'),
  bank(880, 'dashen_bank', 'DASHETAA', 'Dashen Bank', 13, 'bank'),
  bank(347, 'boa_bank', 'ABYSETAA', 'Bank of Abyssinia', 8, 'bank'),
  bank(855, 'telebirr', 'TELEBIRR', 'telebirr', 10, 'wallet'),
  bank(128, 'cbebirr', 'CBEBIRR', 'CBEBirr', 10, 'wallet'),
];

export function findBank(code: unknown): SandboxBank | undefined {
  const id = typeof code === 'number' ? code : typeof code === 'string' && /^\d+$/.test(code.trim()) ? Number(code) : NaN;
  return SANDBOX_BANKS.find((b) => b.id === id);
}
