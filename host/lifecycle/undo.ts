// What a command has made so far, and how each thing is undone: create and
// exec record every descriptor, process, directory and unit as they make it,
// and a failure takes them away again, newest first. The state directory
// records the same things for a `kago create` that is killed instead
// (destroy.ts); this is the path of a create or exec that lives to see its
// error.
import { logFailure } from '../log.ts';

interface Made {
  what: string;
  undo: () => void;
}

export class UndoStack {
  private readonly made: Made[] = [];

  /** Records that `what` now exists; returns how to forget it, once something else owns it. */
  record(what: string, undo: () => void): () => void {
    const entry = { what, undo };
    this.made.push(entry);
    return () => {
      const i = this.made.indexOf(entry);
      if (i >= 0) this.made.splice(i, 1);
    };
  }

  /**
   * Runs the steps; when one throws, undoes everything recorded, newest
   * first, and throws the step's error: it says more than a failed undo's,
   * which goes to the debug log.
   */
  run<T>(steps: () => T): T {
    try {
      return steps();
    } catch (e) {
      this.undoAll();
      throw e;
    }
  }

  /** The steps succeeded: what they made stays. */
  keep(): void {
    this.made.length = 0;
  }

  private undoAll(): void {
    for (const { what, undo } of this.made.splice(0).reverse()) {
      try {
        undo();
      } catch (e) {
        logFailure(`undoing ${what} failed`, e);
      }
    }
  }
}
