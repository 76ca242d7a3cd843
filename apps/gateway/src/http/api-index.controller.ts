import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';
import { Public } from './auth.decorators';
import { API_TITLE, API_VERSION, OPENAPI_JSON_PATH } from './openapi-ui';
import { ApiZodResponse } from './zod';
import { ApiOperation, ApiTags } from './openapi-decorators';

export const apiIndexSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    links: z.object({
      docs: z.string().meta({ description: 'Swagger UI.' }),
      openapi: z.string().meta({ description: 'The OpenAPI 3.1 document (generate a client from it).' }),
      health: z.string().meta({ description: 'Readiness probe.' }),
      register: z.string(),
      login: z.string(),
    }),
  })
  .meta({
    id: 'ApiIndex',
    description: 'What this API is and where to start.',
    examples: [
      {
        name: 'tutorhub API',
        version: '1.0.0',
        links: { docs: '/docs', openapi: '/docs/openapi.json', health: '/health/ready', register: '/api/auth/register', login: '/api/auth/login' },
      },
    ],
  });

/** `GET /api`: the entry point a developer (or the start banner) lands on. */
@ApiTags('meta')
@Controller()
export class ApiIndexController {
  @Public()
  @Get()
  @ApiOperation({ summary: 'The API’s name, version and where to start: docs, OpenAPI document, health' })
  @ApiZodResponse(apiIndexSchema)
  index(): z.output<typeof apiIndexSchema> {
    return {
      name: API_TITLE,
      version: API_VERSION,
      links: { docs: '/docs', openapi: OPENAPI_JSON_PATH, health: '/health/ready', register: '/api/auth/register', login: '/api/auth/login' },
    };
  }
}
