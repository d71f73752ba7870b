/** Undoing what a boot set up, in reverse order, once, whatever failed on the way. */

/** A stack of undo steps. */
export class Teardown {
  private readonly steps: (() => unknown)[] = [];
  private done: Promise<void> | undefined;

  /** Adds `step`, to run before the steps added earlier. */
  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /**
   * Runs every step, newest first; a step that throws does not stop the others. Later calls
   * return the same promise.
   */
  run(): Promise<void> {
    this.done ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch {
          // Best effort: the rest must still be undone.
        }
      }
    })();
    return this.done;
  }
}
