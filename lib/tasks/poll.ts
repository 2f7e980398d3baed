/**
 * The pause before the next look at a state that is being waited for: 50 ms, doubling up to 500 ms. A server
 * that streams or replays within a tenth of a second after its start is seen then, not half a second later,
 * and a long wait still costs one probe each half second.
 */
export function pollDelayMs(attempt: number): number {
  return Math.min(500, 50 * 2 ** attempt);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What a wait says while it waits: a line when it changes, and again every 5 s while it does not, so faster looks
 * add no lines of output.
 */
export function progressEvery(progress: (message: string) => void): (message: string) => void {
  let said = '';
  let saidAt = 0;
  return (message) => {
    if (message === said && Date.now() - saidAt < 5000) return;
    progress(message);
    said = message;
    saidAt = Date.now();
  };
}
