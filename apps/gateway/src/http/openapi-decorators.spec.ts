import 'reflect-metadata';
import * as swagger from '@nestjs/swagger';
import type * as Recorder from './openapi-decorators';

/** A fresh copy of the module (its recorded list and replay flag are per process). */
function freshRecorder(): typeof Recorder {
  let mod: typeof Recorder | undefined;
  jest.isolateModules(() => {
    mod = jest.requireActual<typeof Recorder>('./openapi-decorators');
  });
  return mod as typeof Recorder;
}

/** swagger's metadata on a class and each of its methods (`swagger/…` keys only). */
function swaggerMetadata(cls: new (...args: never[]) => unknown): Record<string, unknown> {
  const of = (target: object) =>
    Object.fromEntries(
      Reflect.getOwnMetadataKeys(target)
        .filter((k): k is string => typeof k === 'string' && k.startsWith('swagger/'))
        .map((k) => [k, Reflect.getOwnMetadata(k, target)]),
    );
  const methods = Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== 'constructor');
  return { class: of(cls), ...Object.fromEntries(methods.map((m) => [m, of((cls.prototype as Record<string, object>)[m])])) };
}

describe('recorded OpenAPI decorators', () => {
  it('touch nothing when applied, and replay through swagger in the order TypeScript applied them', () => {
    const rec = freshRecorder();
    const calls: string[] = [];
    const fake = Object.fromEntries(
      ['ApiBody', 'ApiExcludeController', 'ApiExtension', 'ApiHeader', 'ApiOperation', 'ApiParam', 'ApiProduces', 'ApiQuery', 'ApiResponse', 'ApiTags'].map((name) => [
        name,
        (...args: unknown[]) =>
          (target: object, key?: string | symbol) =>
            calls.push(`${name}(${JSON.stringify(args)}) on ${typeof target === 'function' ? target.name : 'prototype'}${key ? `.${String(key)}` : ''}`),
      ]),
    ) as unknown as Recorder.SwaggerDecorators;

    @rec.ApiTags('outer')
    @rec.ApiExtension('x-inner', true)
    class Routes {
      @rec.ApiOperation({ summary: 'first' })
      @rec.ApiResponse({ status: 200, description: 'ok' })
      first() {
        return 1;
      }

      @rec.ApiQuery({ name: 'q' })
      second() {
        return 2;
      }
    }
    expect(Routes).toBeDefined();
    expect(calls).toEqual([]);

    rec.applyRecordedOpenApiDecorators(fake);
    expect(calls).toEqual([
      'ApiResponse([{"status":200,"description":"ok"}]) on prototype.first',
      'ApiOperation([{"summary":"first"}]) on prototype.first',
      'ApiQuery([{"name":"q"}]) on prototype.second',
      'ApiExtension(["x-inner",true]) on Routes',
      'ApiTags(["outer"]) on Routes',
    ]);
  });

  it('replays once: a second call adds nothing, and a class decorated afterwards goes straight to swagger', () => {
    const rec = freshRecorder();
    const applied: string[] = [];
    const fake = { ApiTags: (...tags: string[]) => () => applied.push(tags.join()) } as unknown as Recorder.SwaggerDecorators;

    rec.ApiTags('before')(class A {});
    rec.applyRecordedOpenApiDecorators(fake);
    rec.applyRecordedOpenApiDecorators(fake);
    expect(applied).toEqual(['before']);
    rec.ApiTags('after')(class B {});
    expect(applied).toEqual(['before', 'after']);
  });

  it('leave swagger the same metadata as swagger’s own decorators would have', () => {
    const rec = freshRecorder();
    const declare = (d: Pick<typeof swagger, Recorder.RecordedDecoratorName>) => {
      @d.ApiTags('bookings')
      @d.ApiHeader({ name: 'X-Trace', required: false })
      @d.ApiExtension('x-owner', 'bookings')
      class Routes {
        @d.ApiOperation({ summary: 'Get one' })
        @d.ApiResponse({ status: 200, description: 'Found' })
        @d.ApiResponse({ status: 200, description: 'also cached' })
        @d.ApiParam({ name: 'id', schema: { type: 'string' } })
        @d.ApiQuery({ name: 'expand', required: false })
        @d.ApiProduces('application/json', 'text/html')
        @d.ApiExtension('x-rpc-patterns', ['bookings.get'])
        get() {
          return 1;
        }

        @d.ApiOperation({ summary: 'Create' })
        @d.ApiBody({ schema: { type: 'object' }, required: true })
        create() {
          return 2;
        }
      }
      return Routes;
    };
    const direct = declare(swagger);
    const recorded = declare(rec);
    expect(swaggerMetadata(recorded)).toEqual({ class: {}, get: {}, create: {} });

    rec.applyRecordedOpenApiDecorators(swagger);
    const expected = swaggerMetadata(direct);
    expect(Object.keys(expected.get as object).length).toBeGreaterThan(3);
    expect(swaggerMetadata(recorded)).toEqual(expected);
  });
});
