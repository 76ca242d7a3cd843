import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, renderRpcCatalogue } from './rpc-catalogue';

/** Writes docs/rpc-catalogue.md (a unit test keeps it equal to what the code generates). */
const target = join(ROOT, 'docs', 'rpc-catalogue.md');
writeFileSync(target, renderRpcCatalogue());
console.log(`wrote ${target}`);
