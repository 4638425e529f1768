/** Text rendering of a binlog status for humans (`binlog status` without `--format json`). */
import { formatBytes } from '../util/duration.js';
import type { BinlogStatus } from './status.js';

export function formatStatus(s: BinlogStatus): string {
  const lines = [
    `server:        ${s.server} (${s.flavor} ${s.version}${s.serverId !== undefined ? `, server_id ${s.serverId}` : ''}${s.serverUuid ? `, uuid ${s.serverUuid}` : ''})`,
    `binary log:    ${s.enabled ? 'enabled' : 'disabled'}${s.format ? `, format ${s.format}` : ''}${s.rowImage ? `, row image ${s.rowImage}` : ''}${s.checksum ? `, checksum ${s.checksum}` : ''}`,
  ];
  if (s.current) lines.push(`current:       ${s.current.file}:${s.current.position}`);
  if (s.flavor === 'mariadb') {
    lines.push(`gtid:          binlog_pos ${s.gtid.binlogPos || '(empty)'}, current_pos ${s.gtid.currentPos || '(empty)'}${s.gtid.strictMode ? ', strict mode' : ''}`);
  } else {
    lines.push(`gtid:          mode ${s.gtid.mode}${s.gtid.executed ? `, executed ${s.gtid.executed}` : ''}${s.gtid.purged ? `, purged ${s.gtid.purged}` : ''}`);
  }
  if (s.enabled) {
    lines.push(`retention:     ${s.expireSeconds ? `${Math.round(s.expireSeconds / 3600)} h` : 'forever'}${s.maxSize ? `, rotate at ${formatBytes(s.maxSize)}` : ''}`);
    lines.push(`files:         ${s.files.length}, ${formatBytes(s.files.reduce((a, f) => a + f.size, 0))}`);
    for (const f of s.files) {
      const active = s.current?.file === f.name ? '  (active)' : '';
      lines.push(`  ${f.name.padEnd(24)}${formatBytes(f.size).padStart(11)}${f.encrypted ? '  encrypted' : ''}${active}`);
    }
  }
  return lines.join('\n') + '\n';
}
