import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAsyncApiDocument } from '@tutorhub/contracts';

/** Writes the committed AsyncAPI document (a unit test keeps it equal to what the code generates). */
const target = join(__dirname, '..', '..', 'libs', 'contracts', 'asyncapi.json');
writeFileSync(target, `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`);
console.log(`wrote ${target}`);
