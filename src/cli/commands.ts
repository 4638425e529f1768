/** Every CLI command, one module each. */
import { validateCommand } from './validate.js';
import { runCommand } from './run.js';
import { daemonCommand } from './daemon.js';
import { restoreCommand } from './restore.js';
import { backupsCommand } from './backups.js';
import { binlogCommand } from './binlog.js';
import { slowCommand } from './slow.js';
import { verifyCommand } from './verify.js';
import { downloadCommand } from './download.js';

export const commands = [validateCommand, runCommand, daemonCommand, restoreCommand, backupsCommand, verifyCommand, downloadCommand, binlogCommand, slowCommand];
