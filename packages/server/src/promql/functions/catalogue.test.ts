import { describe, expect, it } from 'vitest';
import { FUNCTIONS, argCountRange, functionsWith, getFunction, implement } from './catalogue.js';

const DOCUMENTED = `abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp
clamp_max clamp_min cos cosh count_over_time days_in_month day_of_month day_of_week day_of_year deg delta deriv exp
first_over_time floor histogram_avg histogram_count histogram_fraction histogram_quantile histogram_stddev
histogram_stdvar histogram_sum hour idelta increase info irate label_join label_replace last_over_time ln log10 log2
mad_over_time max_over_time min_over_time minute month pi predict_linear present_over_time quantile_over_time rad rate
resets round scalar sgn sin sinh sort sort_by_label sort_by_label_desc sort_desc sqrt stddev_over_time stdvar_over_time
sum_over_time tan tanh time timestamp ts_of_first_over_time ts_of_last_over_time ts_of_max_over_time
ts_of_min_over_time vector year double_exponential_smoothing histogram_quantiles start_timestamp
step range start end min_of max_of`.split(/\s+/);

describe('function catalogue', () => {
  it('has every documented function and nothing else', () => {
    expect([...FUNCTIONS.keys()].sort()).toEqual([...DOCUMENTED].sort());
  });

  it('signatures', () => {
    expect(getFunction('rate')).toMatchObject({ argTypes: ['matrix'], returnType: 'vector', variadic: 0 });
    expect(argCountRange(getFunction('round')!)).toEqual({ min: 1, max: 2 });
    expect(argCountRange(getFunction('label_join')!)).toEqual({ min: 3, max: Infinity });
    expect(argCountRange(getFunction('hour')!)).toEqual({ min: 0, max: 1 });
    expect(getFunction('scalar')!.returnType).toBe('scalar');
  });

  it('traits', () => {
    expect(getFunction('mad_over_time')!.experimental).toBe(true);
    expect(getFunction('first_over_time')!.experimental).toBe(false);
    expect(getFunction('rate')!.dropsMetricName).toBe(true);
    expect(getFunction('last_over_time')!.dropsMetricName).toBe(false);
    expect(getFunction('label_replace')!.dropsMetricName).toBe(false);
    expect(getFunction('time')!.dependsOnEvalTime).toBe(true);
    expect(getFunction('abs')!.dependsOnEvalTime).toBe(false);
    expect(functionsWith('allowsSmoothed')).toEqual(['delta', 'increase', 'rate']);
    expect(functionsWith('allowsAnchored')).toEqual(['changes', 'delta', 'increase', 'rate', 'resets']);
  });

  it('implementations are registered once, by known name', () => {
    const impl = () => 42;
    implement('pi', impl);
    expect(getFunction('pi')!.impl).toBe(impl);
    expect(() => implement('pi', impl)).toThrow(/already implemented/);
    expect(() => implement('nope', impl)).toThrow(/not in the catalogue/);
  });
});
