/**
 * Reads the catalogs inside the dump's snapshot and returns every object to dump, in load order.
 * Definitions come from the pg_get_*def functions where they exist, as in pg_dump.
 */
import type { PgClient } from '../session.js';
import { loadCasts, loadEventTriggers } from './casts.js';
import { separateCheckLoops } from './check-loops.js';
import { loadConstraints } from './constraints.js';
import { CatalogContext, type DumpScope } from './context.js';
import { loadDependencies, loadExtensionMembers } from './depend.js';
import { Selection, type SelectionConfig } from './filter.js';
import { loadFunctions } from './functions.js';
import type { DumpObject } from './model.js';
import { loadCollations, loadDefaultAcls, loadExtensions, loadSchemas } from './namespaces.js';
import { loadOperatorClasses } from './opclasses.js';
import { loadOperators } from './operators.js';
import { orderObjects } from './order.js';
import { loadIndexes, loadPolicies, loadRules, loadStatistics, loadTriggers } from './post-data.js';
import { loadRelations } from './relations.js';
import { loadSequences, loadSequenceValues } from './sequences.js';
import { addRelations, relationSql } from './tables.js';
import { loadTextSearch } from './text-search.js';
import { loadTypes } from './types.js';
import { refuseUnsupported } from './unsupported.js';

export interface CatalogOptions extends SelectionConfig, DumpScope {
  /** Give up waiting for table locks after this long (milliseconds). */
  lockTimeoutMs?: number;
}

export interface Catalog {
  objects: DumpObject[];
  /** Objects whose dependencies formed a cycle (emitted before some of them). */
  cycles: string[];
}

export async function loadCatalog(client: PgClient, version: number, opts: CatalogOptions): Promise<Catalog> {
  const ctx = new CatalogContext(client, version, new Selection(opts), { schemaOnly: opts.schemaOnly, dataOnly: opts.dataOnly, where: opts.where });
  await loadExtensionMembers(ctx);
  const rels = await loadRelations(ctx, opts.lockTimeoutMs);
  if (!opts.dataOnly) await refuseUnsupported(ctx);
  await loadSchemas(ctx);
  await loadExtensions(ctx);
  await loadCollations(ctx);
  await loadTypes(ctx);
  await loadFunctions(ctx);
  await loadOperators(ctx);
  await loadOperatorClasses(ctx);
  await loadCasts(ctx);
  await loadTextSearch(ctx);
  const constraints = await loadConstraints(ctx, rels);
  const identity = await loadSequences(ctx, rels);
  addRelations(ctx, rels, constraints.checks, identity);
  const tables = new Map(rels.selected.filter((r) => r.kind === 'r' || r.kind === 'p').map((r) => [r.oid, r]));
  const withRules = new Map(rels.selected.filter((r) => r.kind !== 'S').map((r) => [r.oid, r]));
  await loadIndexes(ctx, rels, new Map(rels.selected.filter((r) => r.kind !== 'S' && r.kind !== 'v').map((r) => [r.oid, r])));
  await loadTriggers(ctx, withRules);
  await loadRules(ctx, withRules);
  await loadPolicies(ctx, tables);
  await loadStatistics(ctx, withRules);
  if (!opts.schemaOnly) await loadSequenceValues(ctx, rels);
  await loadDefaultAcls(ctx);
  await loadEventTriggers(ctx);
  await loadDependencies(ctx);
  addRefreshOrder(ctx);
  if (opts.dataOnly) orderDataByForeignKeys(ctx, constraints.foreignKeys);
  for (const o of ctx.objects.values()) o.deps = new Set([...o.deps].map((d) => ctx.resolve(d)).filter((d): d is string => !!d && d !== o.key));
  if (!opts.dataOnly) await separateCheckLoops(ctx, rels, constraints.checks, (r, checks) => relationSql(ctx, rels, r, checks, identity));
  let objects = [...ctx.objects.values()];
  const { ordered, cycles } = orderObjects(objects);
  objects = ordered;
  if (opts.dataOnly) objects = objects.filter((o) => o.section === 'data' || o.kind === 'MATERIALIZED VIEW DATA');
  return { objects, cycles };
}

/** A materialized view is refreshed after the ones it reads. */
function addRefreshOrder(ctx: CatalogContext): void {
  for (const o of ctx.objects.values()) {
    if (o.kind !== 'MATERIALIZED VIEW DATA') continue;
    const view = ctx.objects.get(o.key.replace('refresh:', 'pg_class:'))!;
    for (const d of view.deps) {
      const r = ctx.resolve(d);
      if (r && ctx.objects.get(r)?.kind === 'MATERIALIZED VIEW') o.deps.add(r.replace('pg_class:', 'refresh:'));
    }
  }
}

/** In a data-only dump, referenced tables load first (cycles are broken), as pg_dump orders them. */
function orderDataByForeignKeys(ctx: CatalogContext, fks: { rel: number; refrel: number }[]): void {
  for (const fk of fks) {
    const from = ctx.objects.get(`data:${fk.rel}`);
    if (from && fk.rel !== fk.refrel) from.deps.add(`data:${fk.refrel}`);
  }
}
