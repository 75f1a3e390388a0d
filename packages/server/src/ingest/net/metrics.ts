/**
 * One `NetMetrics` per registry, shared by every protocol's listeners (the
 * families carry a `protocol` label; a registry refuses a second
 * registration of a name).
 */
import type { Registry } from '../../metrics/registry.js';
import { NetMetrics } from './listeners.js';

const byRegistry = new WeakMap<Registry, NetMetrics>();

export function netMetrics(registry: Registry): NetMetrics {
  let m = byRegistry.get(registry);
  if (m === undefined) {
    m = new NetMetrics(registry);
    byRegistry.set(registry, m);
  }
  return m;
}
