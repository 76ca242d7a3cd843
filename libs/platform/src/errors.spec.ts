import { isTransientInfrastructureError, toProblem } from './errors';

describe('isTransientInfrastructureError', () => {
  it.each([
    ['too many clients (53300)', Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    ['admin shutdown on restart (57P01)', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['server starting up (57P03)', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['a write reaching a standby mid-failover (25006)', Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' })],
    ['connection failure (08006)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['dropped socket', new Error('Connection terminated unexpectedly')],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['wrapped by TypeORM', Object.assign(new Error('Query failed'), { driverError: { code: '57P01', message: 'terminating connection' } })],
    ['as a cause', new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'ECONNRESET' }) })],
  ])('%s is transient', (_name, err) => {
    expect(isTransientInfrastructureError(err)).toBe(true);
    expect(toProblem(err)).toMatchObject({ status: 503, code: 'database.unavailable' });
  });

  it.each([
    ['unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['check violation', Object.assign(new Error('check'), { code: '23514' })],
    ['serialization failure', Object.assign(new Error('could not serialize'), { code: '40001' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing', undefined],
  ])('%s is not', (_name, err) => {
    expect(isTransientInfrastructureError(err)).toBe(false);
    expect(toProblem(err)).toMatchObject({ status: 500, code: 'internal_error' });
  });
});

describe('toProblem', () => {
  it('keeps a deliberate 503 (retry shortly) with its own code instead of hiding it as a 500', () => {
    const err = Object.assign(new Error('Sessions cannot be checked right now; try again shortly.'), { status: 503, code: 'upstream.unavailable' });
    expect(toProblem(err)).toEqual(expect.objectContaining({ status: 503, code: 'upstream.unavailable', detail: err.message }));
  });

  it('does not let any other 5xx error choose its code', () => {
    const err = Object.assign(new Error('boom'), { status: 500, code: 'something.internal' });
    expect(toProblem(err)).toMatchObject({ status: 500, code: 'internal_error' });
  });
});
