/** The storage examples are valid job files. */
import { runCli } from '../harness/util.js';

test('examples/storages.yaml passes onedump validate', async () => {
  const r = await runCli(['validate', 'examples/storages.yaml']);
  expect(r.stdout).toBe('examples/storages.yaml: ok\n');
  expect(r.code).toBe(0);
});
