import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher({ logN: 12, r: 8, p: 1 });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(stored).toMatch(/^scrypt\$12\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    await expect(hasher.verify('correct horse battery', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse batterY', stored)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    const a = await hasher.hash('same password here');
    const b = await hasher.hash('same password here');
    expect(a).not.toBe(b);
    await expect(hasher.verify('same password here', b)).resolves.toBe(true);
  });

  it('verifies hashes made with other parameters and says they need a rehash', async () => {
    const older = new PasswordHasher({ logN: 11, r: 8, p: 1 });
    const stored = await older.hash('an older password');
    await expect(hasher.verify('an older password', stored)).resolves.toBe(true);
    expect(hasher.needsRehash(stored)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('x'))).toBe(false);
  });

  it('never matches a malformed stored hash', async () => {
    for (const stored of ['', 'plain', 'scrypt$12$8$1$c2FsdA==', 'bcrypt$12$8$1$c2FsdA==$aGFzaA==', 'scrypt$99$8$1$c2FsdA==$aGFzaA==']) {
      await expect(hasher.verify('whatever', stored)).resolves.toBe(false);
    }
  });

  it('treats canonically equivalent Unicode passwords alike', async () => {
    const stored = await hasher.hash('caf\u00e9-password');
    await expect(hasher.verify('cafe\u0301-password', stored)).resolves.toBe(true);
  });

  it('answers false for an unknown account', async () => {
    await expect(hasher.verifyAgainstDummy('anything at all')).resolves.toBe(false);
  });
});
