/** Types of bench/slowlog-synth.js (a plain ESM module shared by the benchmark and the streaming test). */
export interface SyntheticOptions {
  /** Characters (= bytes, the log is ASCII) to produce at least. */
  bytes: number;
  seed?: number;
  /** Query templates × table variants; about 250 distinct fingerprints for 300. */
  classCount?: number;
  chunkBytes?: number;
  /** Unix seconds of the first entry. */
  startTime?: number;
  /** Filled in while generating. */
  stats?: { entries: number };
}

export function syntheticSlowLog(opts: SyntheticOptions): Generator<string, void, undefined>;
