/**
 * What tactic selection decided: for each tuned layer, the implementation it runs with and the
 * timings that chose it. Stored in the plan's 'tactics' section; the executor reads `tactic`.
 */
export interface TacticChoice {
  tactic: string;
  /** Median milliseconds per candidate tactic, as timed (or read from the timing cache). */
  timings: Record<string, number>;
  /** Where the timings came from: measured in this build or read from the timing cache. */
  source: 'measured' | 'cache';
  /** Scratch bytes the chosen tactic needs (the memory plan's workspace). */
  workspaceBytes: number;
}

export interface TacticChoices {
  /** The device the tactics were timed on (timing-cache key part). */
  device: string;
  /**
   * The network input shapes the tactics were timed for. Tactics are forced only for runs with
   * these shapes; other shapes get the executor's own choice (an algorithm chosen for batch 1
   * may not exist for batch 32).
   */
  inputShapes?: Record<string, number[]>;
  choices: Record<string, TacticChoice>;
}
