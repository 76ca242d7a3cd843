import 'reflect-metadata';
import { join } from 'node:path';
import { writeCommittedOpenApi } from './openapi-document';

// Run from dist/ (npm run openapi:generate): write into the source tree, not next to the build.
const target = join(process.cwd(), 'apps', 'gateway', 'openapi.json');
writeCommittedOpenApi(target)
  .then(() => console.log(`wrote ${target}`))
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
