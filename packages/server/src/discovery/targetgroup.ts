/**
 * What discovery produces: groups of targets with common labels, each group
 * identified by a `source` unique within its provider. A provider sends a
 * group again (same source) to replace it, and an empty group to remove it.
 */
export interface TargetGroup {
  /** Unique within the provider, e.g. `/etc/targets/a.json:0`. */
  source: string;
  /** Each target's own labels; `__address__` at least. */
  targets: Record<string, string>[];
  /** Labels common to all targets of the group (a target's own labels win). */
  labels: Record<string, string>;
}

/** A discovery mechanism instance. `start` may call `send` any number of times; `stop` ends it. */
export interface Provider {
  start(send: (groups: TargetGroup[]) => void): void;
  stop(): void;
}

/**
 * Validates a list of groups as file and HTTP SD read them (`[{targets: [..], labels: {..}}]`)
 * and turns it into TargetGroups; throws with the reason.
 */
export function parseTargetGroups(data: unknown, sourcePrefix: string, extraLabels: Record<string, string>): TargetGroup[] {
  if (!Array.isArray(data)) throw new Error('expected a list of target groups');
  return data.map((g: unknown, i) => {
    if (typeof g !== 'object' || g === null || Array.isArray(g)) throw new Error(`target group ${i}: expected an object`);
    const o = g as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'targets' && k !== 'labels') throw new Error(`target group ${i}: unknown field ${JSON.stringify(k)}`);
    const targets = o.targets ?? [];
    if (!Array.isArray(targets)) throw new Error(`target group ${i}: targets must be a list of strings`);
    const out: Record<string, string>[] = [];
    for (const t of targets) {
      if (typeof t !== 'string' || t === '') throw new Error(`target group ${i}: targets must be non-empty strings, got ${JSON.stringify(t)}`);
      out.push({ __address__: t });
    }
    const labels: Record<string, string> = { ...extraLabels };
    if (o.labels !== undefined && o.labels !== null) {
      if (typeof o.labels !== 'object' || Array.isArray(o.labels)) throw new Error(`target group ${i}: labels must be a map`);
      for (const [n, v] of Object.entries(o.labels as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new Error(`target group ${i}: label ${JSON.stringify(n)} must have a string value`);
        if (n === '') throw new Error(`target group ${i}: empty label name`);
        labels[n] = v;
      }
    }
    return { source: `${sourcePrefix}:${i}`, targets: out, labels };
  });
}
