import { stateMachine } from './state-machine';

const STATUSES = ['open', 'closed', 'archived'] as const;
const ACTIONS = ['close', 'reopen', 'archive'] as const;
type S = (typeof STATUSES)[number];
type A = (typeof ACTIONS)[number];

const door = stateMachine<S, A>({
  statuses: STATUSES,
  actions: ACTIONS,
  transitions: { open: { close: 'closed' }, closed: { reopen: 'open', archive: 'archived' }, archived: {} },
  invalid: (from, action) => Object.assign(new Error(`cannot ${action} a door that is ${from}`), { code: 'door.invalid_transition' }),
});

describe('stateMachine', () => {
  it('follows the table', () => {
    expect(door.transition('open', 'close')).toBe('closed');
    expect(door.transition('closed', 'reopen')).toBe('open');
    expect(door.canTransition('closed', 'archive')).toBe(true);
    expect(door.allowedActions('closed')).toEqual(['reopen', 'archive']);
  });

  it('throws the definition’s error for an action the table does not allow', () => {
    expect(() => door.transition('open', 'archive')).toThrow('cannot archive a door that is open');
    expect(door.canTransition('archived', 'reopen')).toBe(false);
  });

  it('ignores inherited properties, whatever strings it is given', () => {
    expect(door.canTransition('constructor' as S, 'close')).toBe(false);
    expect(door.canTransition('open', 'toString' as A)).toBe(false);
    expect(() => door.transition('__proto__' as S, 'close')).toThrow('cannot close a door that is __proto__');
  });

  it('knows final statuses and its own statuses', () => {
    expect(STATUSES.filter((s) => door.isFinal(s))).toEqual(['archived']);
    expect(door.isStatus('closed')).toBe(true);
    expect(door.isStatus('constructor')).toBe(false);
    expect(door.isStatus(3)).toBe(false);
  });

  it('works destructured (plain closures, no `this`)', () => {
    const { transition, isFinal } = door;
    expect(transition('open', 'close')).toBe('closed');
    expect(isFinal('open')).toBe(false);
  });
});
