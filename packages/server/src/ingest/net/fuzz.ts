/**
 * Input generators for the protocol parsers' fuzz tests: a seeded PRNG,
 * random bytes biased toward each protocol's delimiters, and mutations of
 * valid lines (byte flips, cuts, duplications, inserted delimiters). Kept
 * next to the listeners every line protocol shares; used only by tests.
 */

/** mulberry32: small, fast, deterministic for a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random string drawn mostly from `alphabet` (the protocol's delimiters and digits), sometimes any code unit. */
export function randomText(rnd: () => number, alphabet: string, maxLen: number): string {
  const n = Math.floor(rnd() * maxLen);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.85) s += alphabet[Math.floor(rnd() * alphabet.length)];
    else if (r < 0.95) s += String.fromCharCode(32 + Math.floor(rnd() * 95));
    else s += String.fromCharCode(Math.floor(rnd() * 0xffff));
  }
  return s;
}

/** `valid` with a few random edits. */
export function mutate(rnd: () => number, valid: string, alphabet: string): string {
  let s = valid;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const r = rnd();
    if (r < 0.25) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 5));
    else if (r < 0.5) s = s.slice(0, at) + alphabet[Math.floor(rnd() * alphabet.length)] + s.slice(at);
    else if (r < 0.65) s = s.slice(0, at) + s.slice(Math.floor(rnd() * s.length));
    else if (r < 0.8) s = s.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 0xffff)) + s.slice(at + 1);
    else s = s.slice(0, at) + s.slice(at, at + Math.floor(rnd() * 20)).repeat(1 + Math.floor(rnd() * 3)) + s.slice(at);
  }
  return s;
}

/**
 * Runs `parseAll` over `rounds` random and mutated inputs. It must return
 * normally (no exception) and consume at most `maxSteps` per input — a
 * parser that stops making progress shows up as a step overflow rather than
 * a hung test.
 */
export function fuzz(opts: {
  seed: number;
  rounds: number;
  alphabet: string;
  valid: readonly string[];
  maxLen?: number;
  parseAll: (text: string) => number;
}): { inputs: number; steps: number } {
  const rnd = prng(opts.seed);
  let steps = 0;
  for (let i = 0; i < opts.rounds; i++) {
    let text: string;
    if (i % 3 === 0) text = randomText(rnd, opts.alphabet, opts.maxLen ?? 200);
    else {
      const lines: string[] = [];
      const n = 1 + Math.floor(rnd() * 4);
      for (let j = 0; j < n; j++) {
        const v = opts.valid[Math.floor(rnd() * opts.valid.length)];
        lines.push(rnd() < 0.7 ? mutate(rnd, v, opts.alphabet) : v);
      }
      text = lines.join(rnd() < 0.8 ? '\n' : '\r\n');
    }
    try {
      const n = opts.parseAll(text);
      if (n > 2 * text.length + 2) throw new Error(`parser made ${n} steps on ${text.length} chars`);
      steps += n;
    } catch (err) {
      throw new Error(`parser failed on input ${JSON.stringify(text)}: ${(err as Error).stack ?? err}`);
    }
  }
  return { inputs: opts.rounds, steps };
}
