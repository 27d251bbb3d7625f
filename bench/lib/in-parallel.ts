/** `work` for every item, `parallelism` at a time, each worker taking the next item when it is free. */
export async function inParallel<T>(
  items: readonly T[],
  parallelism: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: parallelism }, worker));
}
