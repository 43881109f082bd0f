/**
 * Runs async tasks one at a time, in the order they were queued. A failing task does not
 * stop the ones behind it; each caller gets its own task's result or error.
 */
export interface SerialQueue {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks queued or running. */
  readonly size: number;
}

export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let size = 0;
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      size++;
      const result = tail.then(task).finally(() => {
        size--;
      });
      tail = result.catch(() => undefined);
      return result;
    },
    get size() {
      return size;
    },
  };
}
