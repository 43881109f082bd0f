// The LoRA parameter counts the engine tells the Train panel (LmInfo.loraParamsPerRank).
import { describe, expect, it } from 'vitest';
import { availableGroups, createLora, disposeLm, disposeLora, groupTargets, initLm, loraParamCount } from '../lm';
import { prefixTiny, tiny } from '../lm/testdata/loraFixtures';
import { useTfLeakCheck } from '../lm/testdata/tfLeakCheck';
import { loraParamsPerRank } from './training';

useTfLeakCheck();

describe('LoRA parameter counts for the Train panel', () => {
  it('per target group: one entry per group the model has, adding up to the default count, each the size of its adapters', () => {
    for (const cfg of [tiny(), prefixTiny()]) {
      const by = loraParamsPerRank(cfg);
      expect(Object.keys(by)).toEqual(availableGroups(cfg.conditioning));
      expect(Object.values(by).reduce((a, b) => a + b, 0)).toBe(loraParamCount(cfg, { rank: 1 })); // the default targets are every group
      const lm = initLm(cfg, 1);
      for (const g of availableGroups(cfg.conditioning)) {
        const lora = createLora(lm, { rank: 3, targets: groupTargets(g, cfg.conditioning) });
        expect([...lora.named.values()].reduce((s, v) => s + v.size, 0), g).toBe(3 * by[g]!);
        disposeLora(lora);
      }
      disposeLm(lm);
    }
  });
});
