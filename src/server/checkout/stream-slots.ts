// The open event streams of this process, counted in all and per client, so neither the process nor one client's
// share of it can be exhausted: a stream holds a slot from its first byte until it ends.

/** Why a stream was refused a slot: the process is full, or this client holds its share. */
export type SlotRefusal = { full: 'process'; limit: number } | { full: 'client'; limit: number; held: number };

export class StreamSlots {
  private open = 0;
  private readonly perClient = new Map<string, number>();

  constructor(
    private readonly maxPerProcess: number,
    private readonly maxPerClient: number,
  ) {}

  /** Event streams open in this process. */
  get openStreams(): number {
    return this.open;
  }

  /** Takes a slot for a stream of `client` (undefined: counted in the process only); returns its release, or the refusal. */
  take(client: string | undefined): (() => void) | SlotRefusal {
    if (this.open >= this.maxPerProcess) return { full: 'process', limit: this.maxPerProcess };
    const held = client === undefined ? 0 : (this.perClient.get(client) ?? 0);
    if (client !== undefined && held >= this.maxPerClient) return { full: 'client', limit: this.maxPerClient, held };
    this.open += 1;
    if (client !== undefined) this.perClient.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open -= 1;
      if (client === undefined) return;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    };
  }
}
