import { IDLE_FORGET_MS, MAX_SHARED_ENTRIES, SWEEP_EVERY_MS } from './tuning';

/** An entry that can tell whether it has gone unused (nothing waiting on it) for `forMs`. */
interface Forgettable {
	isIdle(now: number, forMs: number): boolean;
}

/**
 * What the process keeps of the API, shared by every run in it, keyed by a hash of the key and
 * the host (never the key itself). It stays small without timers: entries idle for
 * IDLE_FORGET_MS are dropped when the map is next used, and when it is full the least recently
 * used idle entry makes room for a new one.
 */
export class SharedEntries<V extends Forgettable> {
	private readonly entries = new Map<string, V>();

	private lastSweepAt = 0;

	constructor(private readonly create: (now: number) => V) {}

	/** The entry for `id`, made when there is none, and marked most recently used. */
	use(id: string, now: number): V {
		if (now - this.lastSweepAt >= SWEEP_EVERY_MS) this.sweep(now);
		let entry = this.entries.get(id);
		if (!entry) {
			this.makeRoom(now);
			entry = this.create(now);
		}
		// Re-inserted, so the map runs from least to most recently used.
		this.entries.delete(id);
		this.entries.set(id, entry);
		return entry;
	}

	get size(): number {
		return this.entries.size;
	}

	private makeRoom(now: number): void {
		for (const [id, entry] of this.entries) {
			if (this.entries.size < MAX_SHARED_ENTRIES) break;
			if (entry.isIdle(now, 0)) this.entries.delete(id);
		}
	}

	private sweep(now: number): void {
		this.lastSweepAt = now;
		for (const [id, entry] of this.entries)
			if (entry.isIdle(now, IDLE_FORGET_MS)) this.entries.delete(id);
	}
}
