/** A seeded random number generator in [0, 1). */
export type Prng = () => number;

/**
 * mulberry32: small, fast, and the same sequence for the same seed
 * everywhere, so that a failing generated case can be made again.
 */
export function prng(seed: number): Prng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
