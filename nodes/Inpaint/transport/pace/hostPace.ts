/** How an answer bears on the pace of the host (and key) that gave it. */
export type Verdict =
	/** The host took the request: any answer but 429, 5xx or a network failure. */
	| 'taken'
	/** 429: over the limit. */
	| 'limited'
	/** 5xx, a timeout or a dropped connection: the host is in trouble. */
	| 'failed'
	/** The turn was not used: nothing was sent. */
	| 'unused';

/** After a 429 the rate drops to this share of the limit found, so the queue drains below it. */
const CUT = 0.8;
/**
 * How fast the rate climbs back after a cut, on TCP CUBIC's curve (in requests per second): back
 * to the limit found after cbrt((1 - CUT) / GROWTH) seconds, a while near it, then probing above
 * it faster and faster, so a limit that has lifted is left behind.
 */
const GROWTH = 0.005;
const PLATEAU_S = Math.cbrt((1 - CUT) / GROWTH);
/** A probe this many times past the old limit without a 429 means the limit has gone. */
const LIFTED = 8;
/** Never slower than this: a host that answers only 429 is still asked now and then. */
const MIN_RATE = 0.05;
/** The rate a host allows is estimated from what it took over this window before a 429. */
const WINDOW_MS = 5000;
/** Spacing of checks to a host that keeps failing, by the length of the failing streak. */
const FAIL_SPACING_MS = [250, 500, 1000, 2000, 5000];

/**
 * What is known of one host's limit, for one key. No figure is given in advance: the pace is
 * free until the first 429, which sets the rate to what the host had just let through; a cubic
 * climb follows, so that a steady limit refuses few requests and a lifted one is left behind.
 * Times are passed in, so the pace can be unit-tested without waiting.
 */
export class HostPace {
	/** The limit found at the last 429; Infinity while none is known. */
	private ceiling = Infinity;

	private cutAt = 0;

	private readonly takenTimes: number[] = [];

	/** No request starts before this (a Retry-After). */
	private pausedUntil = 0;

	/** The next request's earliest start, from the rate. */
	private nextAt = 0;

	private failStreak = 0;

	private lastFailAt = 0;

	private lastCheckAt = 0;

	private lastTaken: number;

	private readonly since: number;

	constructor(now: number) {
		this.lastTaken = now;
		this.since = now;
	}

	/** When the host last took a request (or when the pace began). */
	get lastTakenAt(): number {
		return this.lastTaken;
	}

	/** Requests per second allowed now; Infinity when no limit is known. */
	rate(now: number): number {
		if (this.ceiling === Infinity) return Infinity;
		const seconds = (now - this.cutAt) / 1000 - PLATEAU_S;
		const factor = 1 + GROWTH * seconds ** 3;
		if (factor >= LIFTED) {
			this.ceiling = Infinity;
			return Infinity;
		}
		return Math.max(MIN_RATE, this.ceiling * factor);
	}

	/** The earliest time a submit (or, with `check`, a status check or download) may start. */
	readyAt(check: boolean): number {
		// A failing host is probed with one check at a time, not sent every retry at once.
		const spacing =
			check && this.failStreak > 0
				? Math.max(this.lastFailAt, this.lastCheckAt) +
					FAIL_SPACING_MS[Math.min(this.failStreak, FAIL_SPACING_MS.length) - 1]
				: 0;
		return Math.max(this.pausedUntil, this.nextAt, spacing);
	}

	/** A request starts now: the next one is spaced by the rate. */
	started(now: number, check: boolean): void {
		if (check) this.lastCheckAt = now;
		const rate = this.rate(now);
		this.nextAt = rate === Infinity ? now : Math.max(now, this.nextAt) + 1000 / rate;
	}

	/**
	 * Learns from an answer. `sentAt` tells a 429 that answers the pace before the last cut
	 * (and says nothing new) from one that answers the current pace.
	 */
	answered(now: number, sentAt: number, verdict: Verdict, pauseMs = 0): void {
		if (verdict === 'unused') return;
		if (verdict === 'failed') {
			// Requests that were in flight together fail together: one step of the streak.
			if (sentAt >= this.lastFailAt) this.failStreak++;
			this.lastFailAt = now;
			return;
		}
		this.failStreak = 0;
		if (verdict === 'taken') {
			this.lastTaken = now;
			this.takenTimes.push(now);
			while (this.takenTimes.length > 0 && this.takenTimes[0] <= now - WINDOW_MS)
				this.takenTimes.shift();
			return;
		}
		if (pauseMs > 0) this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
		if (sentAt < this.cutAt) return;
		// The limit is what the host really let through lately, and never above the rate that met
		// the 429: a host that refills a burst during a pause is not taken for a faster one.
		const span = Math.min(WINDOW_MS, Math.max(1000, now - this.since));
		const taken = (this.takenTimes.filter((at) => at > now - span).length * 1000) / span;
		this.ceiling = Math.max(MIN_RATE, Math.min(this.rate(now), Math.max(1, taken)));
		this.cutAt = now;
		// Without a Retry-After, the next request waits one interval of the new rate.
		this.nextAt = Math.max(this.nextAt, now + 1000 / this.rate(now));
	}
}
