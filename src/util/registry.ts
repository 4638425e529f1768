/**
 * An explicit registry of plugin implementations of one kind (storages, notifiers, drivers, job kinds).
 * Duplicate names fail at construction; unknown names fail at lookup with the list of known ones.
 */
export class Registry<T extends { readonly name: string }> {
  private readonly items = new Map<string, T>();

  constructor(readonly kind: string, entries: readonly T[]) {
    for (const e of entries) {
      if (this.items.has(e.name)) throw new Error(`${kind} registry: duplicate name "${e.name}"`);
      this.items.set(e.name, e);
    }
  }

  get(name: string): T {
    const item = this.items.get(name);
    if (!item) throw new Error(`unknown ${this.kind} "${name}" (known: ${this.names().join(', ')})`);
    return item;
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  names(): string[] {
    return [...this.items.keys()];
  }

  all(): T[] {
    return [...this.items.values()];
  }
}
