/** The MySQL example job file validates. */
import { runCli } from '../harness/util.js';

test('examples/mysql.yaml passes onedump validate', async () => {
  const r = await runCli(['validate', 'examples/mysql.yaml']);
  expect(r.stdout + r.stderr).toContain('examples/mysql.yaml: ok');
  expect(r.code).toBe(0);
});
