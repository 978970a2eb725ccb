/** What the state file remembers of a trading day's run. */
export interface DayRun {
  day: string;
  startedAt: string;
  finishedAt?: string | undefined;
  /** Times a run of this day was cut short by the process dying (restart, OOM, reboot). */
  interruptions: number;
}
