/** Where the engine reads the time. Orchestrators never do: they get it from their history. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to, for tests. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | number) {
    this.current = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  date(): Date {
    return new Date(this.current);
  }

  /** Moves forward to `time`; never backwards. */
  moveTo(time: number): void {
    this.current = Math.max(this.current, time);
  }

  advance(ms: number): void {
    this.moveTo(this.current + ms);
  }
}
