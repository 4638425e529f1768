/**
 * The schema part of a native dump, as SQL text the stock `mysql`/`mariadb` client loads too: the
 * session header and footer (like mysqldump's), tables, sequences, views, and stored objects (triggers,
 * routines, events) with the sql_mode, character set and time zone they were created under.
 *
 * Stored objects and views are read with `character_set_results = binary`, so their text arrives in the
 * character set it was written in, and is written back after `SET character_set_client` to that set.
 */
import type { MysqlConnection } from './connection.js';
import type { BinlogCoordinates } from './snapshot.js';
import type { RoutineInfo, TableInfo, TriggerInfo, ViewInfo } from './catalog.js';
import { qualified, quoteIdent, quoteString } from './quote.js';
import { unqualifyView } from './view-text.js';

export interface HeaderInfo {
  version: string;
  databases: string[];
  coordinates?: BinlogCoordinates;
  /** Single-database dump: the source's default character set, applied to the target database. */
  charset?: { name: string; collation: string };
  onedumpVersion: string;
}

/** Session settings for loading (saved and restored by the footer), and the binlog coordinates. */
export function dumpHeader(h: HeaderInfo): string {
  const lines = [
    `-- onedump ${h.onedumpVersion} MySQL dump (driver mysql)`,
    `-- Server version: ${h.version}`,
    `-- Databases: ${h.databases.join(', ')}`,
    '--',
  ];
  const c = h.coordinates;
  if (c) {
    lines.push('-- Position to start replication or point-in-time recovery from', '--');
    lines.push(`-- CHANGE MASTER TO MASTER_LOG_FILE=${quoteString(c.binlog_file)}, MASTER_LOG_POS=${c.binlog_position};`);
    if (c.gtid_binlog_pos) lines.push(`-- SET GLOBAL gtid_slave_pos=${quoteString(c.gtid_binlog_pos)};`);
    if (c.gtid_executed) lines.push(`-- SET @@GLOBAL.GTID_PURGED=${quoteString(c.gtid_executed)};`);
    lines.push('--');
  }
  lines.push(
    '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
    '/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;',
    '/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;',
    '/*!40101 SET NAMES utf8mb4 */;',
    '/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;',
    "/*!40103 SET TIME_ZONE='+00:00' */;",
    '/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;',
    '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;',
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;",
    '/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;',
    // history rows of system-versioned tables keep their ROW_START/ROW_END (MariaDB 10.11+)
    '/*M!101100 SET @@session.system_versioning_insert_history=1 */;',
  );
  if (h.charset) lines.push(`/*!40101 ALTER DATABASE CHARACTER SET ${h.charset.name} COLLATE ${h.charset.collation} */;`);
  return lines.join('\n') + '\n';
}

export function dumpFooter(): string {
  return [
    '',
    '/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;',
    '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;',
    '/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;',
    '/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;',
    '/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;',
    '/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;',
    '/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;',
    '/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;',
    '',
    '-- Dump completed',
    '',
  ].join('\n');
}

/** `CREATE DATABASE IF NOT EXISTS` + `USE`, for dumps of several databases. */
export async function databaseDdl(conn: MysqlConnection, db: string): Promise<string> {
  const create = (await conn.rows(`SHOW CREATE DATABASE ${quoteIdent(db)}`))[0]![1]!;
  return `\n--\n-- Database ${quoteIdent(db)}\n--\n${create.replace(/^CREATE DATABASE\s+/i, 'CREATE DATABASE /*!32312 IF NOT EXISTS*/ ')};\nUSE ${quoteIdent(db)};\n`;
}

/** The default character set and collation of `db`. */
export async function databaseCharset(conn: MysqlConnection, db: string): Promise<{ name: string; collation: string }> {
  const [[name, collation]] = (await conn.rows(
    'SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [db],
  )) as [[string, string]];
  return { name, collation };
}

/** DROP + CREATE of a table or sequence (run with `USE db`, so same-database references stay unqualified). */
export async function tableDdl(conn: MysqlConnection, t: TableInfo): Promise<string> {
  const name = quoteIdent(t.name);
  if (t.type === 'sequence') {
    const create = (await conn.rows(`SHOW CREATE SEQUENCE ${name}`))[0]![1]!;
    return `\n--\n-- Sequence ${name}\n--\nDROP SEQUENCE IF EXISTS ${name};\n${create};\n`;
  }
  const create = (await conn.rows(`SHOW CREATE TABLE ${name}`))[0]![1]!;
  return `\n--\n-- Table structure for table ${name}\n--\nDROP TABLE IF EXISTS ${name};\n${create};\n`;
}

/** The statement that sets a sequence to where the source's was. */
export async function sequenceValue(conn: MysqlConnection, t: TableInfo): Promise<string> {
  const next = (await conn.rows(`SELECT next_not_cached_value FROM ${qualified(t.db, t.name)}`))[0]![0]!;
  return `DO SETVAL(${quoteIdent(t.name)}, ${next}, 0);\n`;
}

async function showCreateRaw(conn: MysqlConnection, sql: string): Promise<(Buffer | null)[]> {
  await conn.exec('SET SESSION character_set_results = binary');
  try {
    return (await conn.rawRows(sql))[0] ?? [];
  } finally {
    await conn.exec('SET SESSION character_set_results = utf8mb4');
  }
}

const text = (b: Buffer | null | undefined) => (b ? b.toString('utf8') : '');

interface CreationContext {
  sqlMode: string;
  charset: string;
  collation: string;
  timeZone?: string;
}

/** Sets the creation context, creates the object under a DELIMITER no body contains, resets. */
function storedObject(comment: string, drop: string, create: Buffer, ctx: CreationContext, useDelimiter: boolean): Buffer {
  const body = create.toString('latin1');
  const delimiter = useDelimiter ? [';;', '$$', '//', '@@', ';;;;', '%%%%'].find((d) => !body.includes(d))! : ';';
  // the DROP runs under the object's sql_mode too: DROP PACKAGE is only known in ORACLE mode (MariaDB < 11.4)
  const pre = [
    `\n--\n-- ${comment}\n--`,
    '/*!50003 SET @saved_cs_client = @@character_set_client */;',
    '/*!50003 SET @saved_cs_results = @@character_set_results */;',
    '/*!50003 SET @saved_col_connection = @@collation_connection */;',
    `/*!50003 SET character_set_client = ${ctx.charset} */;`,
    `/*!50003 SET character_set_results = ${ctx.charset} */;`,
    `/*!50003 SET collation_connection = ${ctx.collation} */;`,
    '/*!50003 SET @saved_sql_mode = @@sql_mode */;',
    `/*!50003 SET sql_mode = ${quoteString(ctx.sqlMode)} */;`,
    `${drop};`,
    ...(ctx.timeZone ? ['/*!50106 SET @saved_time_zone = @@time_zone */;', `/*!50106 SET time_zone = ${quoteString(ctx.timeZone)} */;`] : []),
    ...(useDelimiter ? [`DELIMITER ${delimiter}`] : []),
  ].join('\n') + '\n';
  const post = [
    useDelimiter ? ` ${delimiter}\nDELIMITER ;` : ';',
    ...(ctx.timeZone ? ['/*!50106 SET time_zone = @saved_time_zone */;'] : []),
    '/*!50003 SET sql_mode = @saved_sql_mode */;',
    '/*!50003 SET character_set_client = @saved_cs_client */;',
    '/*!50003 SET character_set_results = @saved_cs_results */;',
    '/*!50003 SET collation_connection = @saved_col_connection */;',
  ].join('\n') + '\n';
  return Buffer.concat([Buffer.from(pre, 'utf8'), create, Buffer.from(post, 'utf8')]);
}

export async function viewDdl(conn: MysqlConnection, v: ViewInfo): Promise<Buffer> {
  const [, create, cs, coll] = await showCreateRaw(conn, `SHOW CREATE VIEW ${quoteIdent(v.name)}`);
  const name = quoteIdent(v.name);
  const db = Buffer.from(v.db, text(cs) === 'latin1' ? 'latin1' : 'utf8');
  return storedObject(`View ${name}`, `DROP TABLE IF EXISTS ${name};\nDROP VIEW IF EXISTS ${name}`, unqualifyView(create!, db), { sqlMode: '', charset: text(cs), collation: text(coll) }, false);
}

export async function triggerDdl(conn: MysqlConnection, t: TriggerInfo): Promise<Buffer> {
  const [, mode, create, cs, coll] = await showCreateRaw(conn, `SHOW CREATE TRIGGER ${quoteIdent(t.name)}`);
  return storedObject(`Trigger ${quoteIdent(t.name)} on ${quoteIdent(t.table)}`, `DROP TRIGGER IF EXISTS ${quoteIdent(t.name)}`, create!, { sqlMode: text(mode), charset: text(cs), collation: text(coll) }, true);
}

export async function routineDdl(conn: MysqlConnection, r: RoutineInfo): Promise<Buffer> {
  const [, mode, create, cs, coll] = await showCreateRaw(conn, `SHOW CREATE ${r.type} ${quoteIdent(r.name)}`);
  if (!create) throw new Error(`cannot read the body of ${r.type.toLowerCase()} ${r.db}.${r.name} (needs SELECT on mysql.proc or the routine's owner)`);
  return storedObject(`${r.type[0]}${r.type.slice(1).toLowerCase()} ${quoteIdent(r.name)}`, `DROP ${r.type} IF EXISTS ${quoteIdent(r.name)}`, create, { sqlMode: text(mode), charset: text(cs), collation: text(coll) }, true);
}

export async function eventDdl(conn: MysqlConnection, name: string): Promise<Buffer> {
  const [, mode, tz, create, cs, coll] = await showCreateRaw(conn, `SHOW CREATE EVENT ${quoteIdent(name)}`);
  return storedObject(`Event ${quoteIdent(name)}`, `DROP EVENT IF EXISTS ${quoteIdent(name)}`, create!, { sqlMode: text(mode), timeZone: text(tz), charset: text(cs), collation: text(coll) }, true);
}
