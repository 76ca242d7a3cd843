import type * as Swagger from '@nestjs/swagger';

/**
 * The `@nestjs/swagger` decorators the gateway's routes use, with the same names and signatures,
 * that only *record* each application: nothing of swagger is loaded. Importing swagger's own
 * decorators made the running gateway load `@nestjs/swagger` and its `es-toolkit/compat`
 * (≈ 530 ES modules, ≈ 19 MB of resident memory) for a document it no longer builds: it serves
 * the committed `openapi.json` (openapi-ui.ts). The document is built only by
 * `npm run openapi:generate` and the tests (openapi-document.ts), where `buildOpenApiDocument`
 * replays what was recorded through the real decorators first (issue 15, ADR 0021).
 *
 * Import these, never the values of `@nestjs/swagger` (eslint.config.mjs enforces it).
 */
export type RecordedDecoratorName =
  | 'ApiBody'
  | 'ApiExcludeController'
  | 'ApiExtension'
  | 'ApiHeader'
  | 'ApiOperation'
  | 'ApiParam'
  | 'ApiProduces'
  | 'ApiQuery'
  | 'ApiResponse'
  | 'ApiTags';

/** What a replay needs of `@nestjs/swagger`: the real decorator factories. */
export type SwaggerDecorators = Pick<typeof Swagger, RecordedDecoratorName>;

interface RecordedCall {
  name: RecordedDecoratorName;
  args: unknown[];
  target: object;
  propertyKey: string | symbol | undefined;
  descriptor: PropertyDescriptor | undefined;
}

type AnyDecorator = (target: object, propertyKey?: string | symbol, descriptor?: PropertyDescriptor) => unknown;

/** In the order the decorators were applied, which is the order swagger would have seen. */
const recorded: RecordedCall[] = [];
/** Set by the replay: from then on a decorator applied (a class defined later) goes straight to swagger. */
let swagger: SwaggerDecorators | undefined;

function apply(real: SwaggerDecorators, call: RecordedCall): void {
  const factory = real[call.name] as unknown as (...args: unknown[]) => AnyDecorator;
  factory(...call.args)(call.target, call.propertyKey, call.descriptor);
}

function recorder<N extends RecordedDecoratorName>(name: N): SwaggerDecorators[N] {
  const factory =
    (...args: unknown[]): AnyDecorator =>
    (target, propertyKey, descriptor) => {
      const call: RecordedCall = { name, args, target, propertyKey, descriptor };
      if (swagger) apply(swagger, call);
      else recorded.push(call);
      // Nothing returned: the class or the method's descriptor stays as it is (swagger's own
      // decorators return them unchanged too).
    };
  return factory as unknown as SwaggerDecorators[N];
}

export const ApiBody = recorder('ApiBody');
export const ApiExcludeController = recorder('ApiExcludeController');
export const ApiExtension = recorder('ApiExtension');
export const ApiHeader = recorder('ApiHeader');
export const ApiOperation = recorder('ApiOperation');
export const ApiParam = recorder('ApiParam');
export const ApiProduces = recorder('ApiProduces');
export const ApiQuery = recorder('ApiQuery');
export const ApiResponse = recorder('ApiResponse');
export const ApiTags = recorder('ApiTags');

/**
 * Applies every recorded decorator through the real `@nestjs/swagger`, in the recorded order
 * (TypeScript's: member by member, each member's decorators bottom-up after its parameters',
 * then the class's; class by class as the modules load), so swagger's metadata ends up exactly as if its decorators
 * had run when the classes were defined. Once per process: several of them add to what is
 * there (responses' descriptions are concatenated, parameters appended), so a second replay
 * would document everything twice. Later calls do nothing.
 */
export function applyRecordedOpenApiDecorators(real: SwaggerDecorators): void {
  if (swagger) return;
  swagger = real;
  for (const call of recorded.splice(0)) apply(real, call);
}
