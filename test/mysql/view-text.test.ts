/** unqualifyView: a view's own-database qualifiers are dropped, everything else kept byte for byte. */
import { unqualifyView } from '../../src/dumpers/mysql/view-text.js';

const run = (create: string, db: string) => unqualifyView(Buffer.from(create, 'latin1'), Buffer.from(db, 'latin1')).toString('latin1');

test('drops `db`. before tables and columns, keeps other databases, string literals and look-alike names', () => {
  expect(run("VIEW `v` AS select `shop`.`t`.`c` AS `c`,'it''s `shop`.x' AS `s`,\"`shop`.y\" AS `q` from (`shop`.`t` join `shop2`.`u` on(`u`.`k` = `t`.`c`)) where `shop` = 1", 'shop'))
    .toBe("VIEW `v` AS select `t`.`c` AS `c`,'it''s `shop`.x' AS `s`,\"`shop`.y\" AS `q` from (`t` join `shop2`.`u` on(`u`.`k` = `t`.`c`)) where `shop` = 1");
});

test('names with backticks and bytes that are not UTF-8; escaped quotes inside literals', () => {
  expect(run("select `we``ird`.`t`.`a`,'\\'`we``ird`.' from `x``we``ird`.`t`", 'we`ird')).toBe("select `t`.`a`,'\\'`we``ird`.' from `x``we``ird`.`t`");
  expect(run('select `caf\xe9`.`t`.`a` from `t`', 'caf\xe9')).toBe('select `t`.`a` from `t`');
});

test('a table or alias named like the database keeps its columns; functions and sequences lose the qualifier', () => {
  // the server prints `t`.`c` for a column and `db`.`t` for a table: the same shape, told apart by where it stands
  expect(run('select `shop`.`id` AS `id`,`shop`.`other` AS `other` from (`shop` join `other` on(`other`.`id` = `shop`.`id`))', 'shop'))
    .toBe('select `shop`.`id` AS `id`,`shop`.`other` AS `other` from (`shop` join `other` on(`other`.`id` = `shop`.`id`))');
  expect(run('select `shop`.`shop`.`id` AS `id`,`shop`.`f`(`x`.`a`) AS `y`,nextval(`shop`.`s`) AS `n`,(select count(0) from `shop`.`t` where `t`.`a` = `x`.`a`) AS `c` from (`shop`.`shop` join `shop`.`t` `x` on(`x`.`a` = `shop`.`shop`.`id`))', 'shop'))
    .toBe('select `shop`.`id` AS `id`,`f`(`x`.`a`) AS `y`,nextval(`s`) AS `n`,(select count(0) from `t` where `t`.`a` = `x`.`a`) AS `c` from (`shop` join `t` `x` on(`x`.`a` = `shop`.`id`))');
});
