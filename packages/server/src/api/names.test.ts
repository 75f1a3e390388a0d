import { describe, expect, it } from 'vitest';
import { escapeName, unescapeName } from './names.js';

describe('U__ label name escaping', () => {
  it.each([
    ['job', 'job'],
    ['U__my_2e_label', 'my.label'],
    ['U__a__b', 'a_b'],
    ['U___1f525_', '🔥'],
    ['U___31_abc', '1abc'],
    ['U__bad_zz_', 'U__bad_zz_'],
    ['U__trailing_', 'U__trailing_'],
    ['U__unclosed_2e', 'U__unclosed_2e'],
  ])('%s → %s', (escaped, name) => expect(unescapeName(escaped)).toBe(name));

  it.each(['my.label', 'a_b.c', '🔥', '1abc', 'job'])('round-trips %s', (name) => {
    expect(unescapeName(escapeName(name))).toBe(name);
  });
});
