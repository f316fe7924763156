/** How an answer from a host bears on its pace. */
export type Verdict =
	/** The host took the request (any answer but 429, 5xx or a network failure). */
	| 'accepted'
	/** 429: over the host's rate limit. */
	| 'limited'
	/** 5xx, a timeout or a dropped connection: the host is in trouble. */
	| 'failed'
	/** The slot was not used (the run stopped before sending). */
	| 'unused';

/** The rate is cut to this share of the rate that met a 429. */
const CUT = 0.8;
/**
 * The cubic's steepness: after a cut the rate climbs back to the limit found in
 * cbrt((1 - CUT) / GROWTH) ≈ 3.4 s, stays within 2 % of it for about three seconds, then
 * probes above it faster and faster (TCP CUBIC's curve, in requests per second): a limit that
 * lifts is left behind about 15 s later.
 */
const GROWTH = 0.005;
const PLATEAU_S = Math.cbrt((1 - CUT) / GROWTH);
/** Once the probe is this many times past the old limit, the limit is taken to be gone. */
const LIFTED = 8;
/** Never slower than one request every 20 s: a host that answers only 429 is still asked now and then. */
const MIN_RATE = 0.05;
/** The requests a host took over this window estimate the rate it allows, at each 429. */
const WINDOW_MS = 5000;
/** Spacing of status checks and downloads to a host that keeps failing: 0.25 s, 0.5 s, … up to 5 s. */
const FAIL_SPACING_MS = [250, 500, 1000, 2000, 5000];

/**
 * The learned pace of one host. No figure is known in advance: the pace is free until the
 * first 429, which sets the rate to what the host had just let through; it then follows a
 * cubic curve back up, so that under a steady limit few requests are refused, and a limit
 * that lifts is left behind within seconds.
 */
export class HostPace {
	/** The rate that met the last 429; Infinity while no limit is known. */
	private ceiling = Infinity;

	private cutAt = 0;

	private readonly accepted: number[] = [];

	/** No request starts before this (a Retry-After). */
	pausedUntil = 0;

	/** The next request's earliest start, from the rate. */
	nextAt = 0;

	failStreak = 0;

	private lastFailAt = 0;

	private lastCheckAt = 0;

	/** When the host last took a request (or when the run began): a bound for requests it keeps refusing. */
	lastAcceptedAt: number;

	private readonly since: number;

	constructor(now: number) {
		this.lastAcceptedAt = now;
		this.since = now;
	}

	/** Requests per second allowed now; Infinity when no limit is known. */
	rate(now: number): number {
		if (this.ceiling === Infinity) return Infinity;
		const t = (now - this.cutAt) / 1000 - PLATEAU_S;
		const factor = 1 + GROWTH * t * t * t;
		if (factor >= LIFTED) {
			this.ceiling = Infinity;
			return Infinity;
		}
		return Math.max(MIN_RATE, this.ceiling * factor);
	}

	/** The earliest time a request of the given kind may start. */
	readyAt(checks: boolean): number {
		// A failing host is probed, one check at a time, instead of being sent every retry at once.
		const spacing =
			checks && this.failStreak > 0
				? Math.max(this.lastFailAt, this.lastCheckAt) +
					FAIL_SPACING_MS[Math.min(this.failStreak, FAIL_SPACING_MS.length) - 1]
				: 0;
		return Math.max(this.pausedUntil, this.nextAt, spacing);
	}

	/** A request starts now: the next one is spaced by the rate. */
	started(now: number, checks: boolean): void {
		if (checks) this.lastCheckAt = now;
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
		if (verdict === 'accepted') {
			this.lastAcceptedAt = now;
			this.accepted.push(now);
			while (this.accepted.length > 0 && this.accepted[0] <= now - WINDOW_MS) this.accepted.shift();
			return;
		}
		if (pauseMs > 0) this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
		if (sentAt < this.cutAt) return;
		// The limit is what the host really let through lately, and never above the rate that met
		// the 429: a host that refills a burst during a pause is not taken for a faster one.
		const span = Math.min(WINDOW_MS, Math.max(1000, now - this.since));
		const taken = (this.accepted.filter((at) => at > now - span).length * 1000) / span;
		const current = this.rate(now);
		this.ceiling = Math.max(MIN_RATE, Math.min(current, Math.max(1, taken)));
		this.cutAt = now;
		// Without a Retry-After, the next request waits one interval of the new rate.
		this.nextAt = Math.max(this.nextAt, now + 1000 / this.rate(now));
	}
}
