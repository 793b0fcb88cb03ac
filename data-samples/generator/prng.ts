// Seeded pseudo-random numbers for the synthetic data generator.
// Everything random in the generator comes from here (never Math.random), so the same seed
// and arguments always give byte-identical files.

/** 32-bit FNV-1a hash of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes integers into one 32-bit seed (murmur3 finaliser on a running combination). */
export function mixSeed(...parts: Array<number | string>): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    const v = typeof p === 'number' ? p | 0 : hashString(p);
    h = Math.imul(h ^ v, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    h = (h + 0x6d2b79f5) | 0;
  }
  return h >>> 0;
}

/** A table of [value, weight] pairs for Rng.weighted (weights need not sum to 1). */
export type Weights<T> = ReadonlyArray<readonly [T, number]>;

/** mulberry32: small, fast, good enough for simulation. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks from [value, weight] pairs (weights need not sum to 1). */
  weighted<T>(pairs: Weights<T>): T {
    let total = 0;
    for (let i = 0; i < pairs.length; i++) total += pairs[i]![1];
    let x = this.next() * total;
    for (let i = 0; i < pairs.length; i++) {
      x -= pairs[i]![1];
      if (x < 0) return pairs[i]![0];
    }
    return pairs[pairs.length - 1]![0];
  }

  /** Poisson-distributed count (Knuth; fine for the small means used here). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A fresh generator for one purpose, derived from a base seed and labels. */
export function rngFor(...parts: Array<number | string>): Rng {
  return new Rng(mixSeed(...parts));
}

/** A deterministic uniform number in [0,1) for a key, without keeping a generator. */
export function unitHash(...parts: Array<number | string>): number {
  return mixSeed(...parts) / 4294967296;
}
