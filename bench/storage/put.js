// One onedump storage upload, run as its own process so that /usr/bin/time measures it alone:
//   node put.js STORAGE_CONFIG_JSON SOURCE_FILE KEY
import { createReadStream } from 'node:fs';
import { storageKinds } from '../../dist/storages/registry.js';
import { logger } from '../../dist/util/log.js';

const [config, source, key] = [JSON.parse(process.argv[2]), process.argv[3], process.argv[4]];
const storage = await storageKinds.get(config.type).create('bench', config, { baseDir: process.cwd(), log: logger() });
const info = await storage.put(key, createReadStream(source, { highWaterMark: 1 << 20 }));
await storage.close();
process.stdout.write(JSON.stringify(info) + '\n');
