/**
 * Runs `step` (which deletes or moves at most `batch` rows and says how many) until a step
 * does less than a full batch: maintenance in small statements, so each holds its locks and
 * its transaction briefly. Returns the total.
 */
export async function inBatches(batch: number, step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await step();
    total += n;
    if (n < batch) return total;
  }
}
