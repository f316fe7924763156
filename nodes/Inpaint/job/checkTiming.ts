/** Finished jobs remembered per kind: enough to see the spread, few enough to follow a change. */
const KEEP = 32;
/**
 * Lengths of scouts' and probes' jobs remembered, apart: the regular jobs, many more, must not
 * push them out; but one older than the last LENGTHS_FOR finished jobs is dropped (a few stay),
 * so jobs that got slower are followed.
 */
const KEEP_LENGTHS = 32;
const LENGTHS_FOR = 128;
/** Jobs of a new kind checked at the plain interval while the others wait for one to finish. */
const SCOUTS = 3;
/** One job in this many is a probe, first checked well before the others, to see the fast ones. */
const PROBE_EVERY = 5;
/** Probes kept among the remembered jobs at least: below this, every job is a probe. */
const MIN_PROBES = 3;
/**
 * A regular job is first checked a little after the jobs seen running latest were seen done (a
 * twentieth of an interval: timers and answers vary by a few milliseconds), but no later than
 * three quarters of an interval after the estimated earliest finish, so fast jobs are noticed in time.
 */
const AFTER_LATEST_DONE = 0.05;
const AFTER_EARLIEST = 0.75;
/**
 * A scout or probe seen finish while a job waits for its first check tells that jobs like it may
 * be done by then: the waiting job is checked no later than half an interval after that length.
 */
const AFTER_SEEN_FINISH = 0.5;
/** Recent scout and probe finishes kept for that (the jobs waiting now were accepted lately). */
const KEEP_RECENT = 16;

export type CheckRole = 'scout' | 'probe' | 'regular';

/** A job's part in learning its kind's timing; `turn` (0, 1, 2) spreads the probes' checks. */
export interface CheckPlan {
	role: CheckRole;
	turn: number;
}

interface Finished {
	/** The last time the job was seen running, after its acceptance; 0 when never seen running. */
	lastRunningAt: number;
	/** When it was seen done, after its acceptance. */
	doneAt: number;
}

/**
 * How long jobs of one kind (same host, key and size settings) take, learned from the jobs this
 * process saw finish, and when to check a new one first.
 *
 * With nothing learned, three scouts are checked at the interval and the other jobs wait until
 * one of them has finished. Then a job is first checked when the latest job seen running was seen
 * done, but no later than most of an interval after the estimated earliest finish,
 * so that the fastest jobs are still noticed within the interval. The earliest finish comes
 * from the probes, every fifth job, first checked before it (further back the less sure the
 * estimate): a probe found already done looks twice as far back next time. A job not yet checked
 * asks again while it waits, and a probe seen finish meanwhile brings its first check forward.
 */
export class CheckTiming {
	private readonly finished: Finished[] = [];

	/** Scouts' and probes' finishes, by when (process time) and after how long they were seen done. */
	private recentFinishes: Array<{ at: number; doneAt: number }> = [];

	/** Lengths of scouts' and probes' jobs (checked from early on, so a fair sample), by when seen. */
	private probedLengths: Array<{ length: number; seenAt: number }> = [];

	/** Jobs seen finish so far. */
	private finishedCount = 0;

	private scoutsOut = 0;

	private planned = 0;

	private probes = 0;

	/** Probes in a row found done at their first check. */
	private probeMisses = 0;

	private lastUsed = 0;

	/** Whether the process has neither planned nor seen a job of this kind for `forMs`. */
	isIdle(now: number, forMs: number): boolean {
		return now - this.lastUsed >= forMs;
	}

	/**
	 * A new job's part: a scout while nothing is learned (undefined: wait for the scouts), then
	 * every fifth a probe, the others regular. A job that waited for the scouts is past its
	 * probe's time, and would tell of long jobs only (the short ones are done by then): it is regular.
	 */
	plan(now: number, waited = false): CheckPlan | undefined {
		this.lastUsed = now;
		if (this.finished.length === 0) {
			if (this.scoutsOut >= SCOUTS) return undefined;
			this.scoutsOut++;
			return { role: 'scout', turn: 0 };
		}
		const probe = ++this.planned % PROBE_EVERY === 0 || this.lengths().length < MIN_PROBES;
		if (probe && !waited) return { role: 'probe', turn: this.probes++ % 3 };
		return { role: 'regular', turn: 0 };
	}

	/** When to check a job first, in ms after its acceptance (at `acceptedAt`), from what is known now. */
	firstCheckAfter({ role, turn }: CheckPlan, intervalMs: number, acceptedAt: number): number {
		if (role === 'scout' || this.finished.length === 0) return intervalMs;
		const earliestDone = Math.min(...this.finished.map((f) => f.doneAt));
		const earliest = this.earliest(earliestDone - intervalMs, intervalMs);
		if (role === 'probe') {
			// Probes look back one interval (twice as far after each one found done), a third or two
			// thirds more in turn (so their checks fall at different points of a job), and twice the
			// estimate's own uncertainty (the gap a sample this size leaves below the shortest).
			const back = intervalMs * (2 ** Math.min(this.probeMisses, 10) + turn / 3) + 2 * this.gap();
			return Math.max(0, earliest - back);
		}
		const seenFinish = this.recentFinishes
			.filter((f) => f.at > acceptedAt)
			.map((f) => f.doneAt + AFTER_SEEN_FINISH * intervalMs);
		return Math.max(0, Math.min(this.regularFirstCheck(earliest, intervalMs), ...seenFinish));
	}

	/** A regular job's first check, from the jobs remembered (see AFTER_LATEST_DONE). */
	private regularFirstCheck(earliest: number, intervalMs: number): number {
		// When the jobs last seen running (within an interval of the latest) were all done by.
		const seenRunning = this.finished.filter((f) => f.lastRunningAt > 0);
		const lastSeenRunning = Math.max(0, ...seenRunning.map((f) => f.lastRunningAt));
		const late = seenRunning.filter((f) => f.lastRunningAt >= lastSeenRunning - intervalMs);
		// Jobs never seen running were all done at their first check: keep checking then.
		if (late.length === 0) return Math.min(...this.finished.map((f) => f.doneAt));
		const latestDone = Math.min(...late.map((f) => f.doneAt));
		return Math.min(
			latestDone + AFTER_LATEST_DONE * intervalMs,
			earliest + AFTER_EARLIEST * intervalMs,
		);
	}

	private lengths(): number[] {
		return this.probedLengths.map((l) => l.length);
	}

	/**
	 * The earliest finish: the shortest length the scouts and probes saw, moved down by the gap a
	 * sample of that size leaves, on average, below the true shortest (the spread ÷ (size + 1)),
	 * and up by what the shortest of such values loses to their error: each length is known only
	 * within the interval between two checks (± half of one).
	 */
	private earliest(fallback: number, intervalMs: number): number {
		const lengths = this.lengths();
		if (lengths.length === 0) return fallback;
		const k = lengths.length;
		const noise = ((intervalMs / 2) * (k - 1)) / (k + 1);
		return Math.min(...lengths) - this.gap() + noise;
	}

	/** The gap a sample of the lengths seen leaves, on average, below the true shortest. */
	private gap(): number {
		return this.spread() / (this.lengths().length + 1);
	}

	/** How far lengths spread: from the shortest a scout or probe saw to the latest seen running. */
	private spread(): number {
		const lengths = this.lengths();
		if (lengths.length === 0) return 0;
		const latestRunning = Math.max(0, ...this.finished.map((f) => f.lastRunningAt));
		return Math.max(0, latestRunning - Math.min(...lengths));
	}

	/** A scout's job ended, however: another job may scout in its place. */
	scoutEnded(): void {
		this.scoutsOut = Math.max(0, this.scoutsOut - 1);
	}

	/** A job was seen done `doneAt` after acceptance, last seen running at `lastRunningAt` (undefined: never). */
	finishedJob(
		{ role, lastRunningAt, doneAt }: { role: CheckRole; lastRunningAt?: number; doneAt: number },
		intervalMs: number,
		now: number,
	): void {
		this.lastUsed = now;
		this.finishedCount++;
		const finished: Finished = { lastRunningAt: lastRunningAt ?? 0, doneAt };
		if (role !== 'regular' && lastRunningAt !== undefined) {
			// Seen running, then done: it ended in between.
			this.keepLength((lastRunningAt + doneAt) / 2);
			if (role === 'probe') this.probeMisses = 0;
			this.recentFinishes.push({ at: now, doneAt });
			if (this.recentFinishes.length > KEEP_RECENT) this.recentFinishes.shift();
		} else if (role !== 'regular' && doneAt < this.earliest(doneAt, intervalMs)) {
			// Done at once, before jobs were thought to finish: taken as ended half an interval
			// before; if jobs got much faster, the next probes look further back.
			this.keepLength(Math.max(0, doneAt - intervalMs / 2));
			if (role === 'probe') this.probeMisses++;
		}
		this.finished.push(finished);
		if (this.finished.length > KEEP) this.finished.shift();
	}

	private keepLength(length: number): void {
		this.probedLengths.push({ length, seenAt: this.finishedCount });
		const old = this.finishedCount - LENGTHS_FOR;
		this.probedLengths = this.probedLengths.filter(
			(l, index, all) => index >= all.length - MIN_PROBES || l.seenAt > old,
		);
		if (this.probedLengths.length > KEEP_LENGTHS) this.probedLengths.shift();
	}
}
