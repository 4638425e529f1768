/** `npm run schema`: writes schemas/onedump.schema.json and CONFIG_REF.md from the registries. */
import { writeFileSync } from 'node:fs';
import { buildSchema } from './schema.js';
import { renderReference } from './reference.js';

const root = new URL('../../', import.meta.url);
const schema = buildSchema();
writeFileSync(new URL('schemas/onedump.schema.json', root), JSON.stringify(schema, null, 2) + '\n');
writeFileSync(new URL('CONFIG_REF.md', root), renderReference(schema) + '\n');
process.stdout.write('wrote schemas/onedump.schema.json and CONFIG_REF.md\n');
