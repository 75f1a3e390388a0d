/** `static_configs`: the groups are the config; sent once. */
import type { StaticConfig } from '../../config/scrape.js';
import type { Provider, TargetGroup } from '../targetgroup.js';

export class StaticProvider implements Provider {
  readonly #groups: TargetGroup[];

  constructor(configs: StaticConfig[]) {
    this.#groups = configs.map((c, i) => ({
      source: String(i),
      targets: c.targets.map((t) => ({ __address__: t })),
      labels: { ...c.labels },
    }));
  }

  start(send: (groups: TargetGroup[]) => void): void {
    send(this.#groups);
  }

  stop(): void {}
}
