/**
 * Ids of rows that exist, by entity, learnt from successful answers: the seeded workspace may be
 * deleted early in a run, and later calls should still name rows that exist most of the time,
 * or the deeper code behind NOT_FOUND is never reached.
 */

const perEntity = 32;

/** `workspaces.get` + `id` -> workspace; `afterLogId` -> log; `baseModelId` -> model. */
export function entityOfField(method: string, key: string): string | null {
  if (key === 'id') return singular(method.split('.')[0]!);
  const match = /([A-Z]?[a-z]+)Id$/.exec(key);
  return match ? match[1]!.toLowerCase() : null;
}

function singular(namespace: string): string {
  return namespace.endsWith('s') ? namespace.slice(0, -1) : namespace;
}

export function createIdMemory() {
  const ids = new Map<string, number[]>();
  const note = (entity: string | null, id: unknown) => {
    if (!entity || !Number.isInteger(id) || (id as number) <= 0) return;
    const list = ids.get(entity) ?? [];
    if (list.includes(id as number)) return;
    list.unshift(id as number);
    list.length = Math.min(list.length, perEntity);
    ids.set(entity, list);
  };
  return {
    /** Notes every id in a successful answer of `method`. */
    remember(method: string, value: unknown) {
      const pending = [value];
      while (pending.length > 0) {
        const next = pending.pop();
        if (!next || typeof next !== 'object') continue;
        for (const [key, child] of Object.entries(next)) {
          if (typeof child === 'number') note(entityOfField(method, key), child);
          else pending.push(child);
        }
      }
    },
    ids: (entity: string): readonly number[] => ids.get(entity) ?? [],
  };
}
