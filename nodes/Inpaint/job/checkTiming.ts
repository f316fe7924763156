import { IDLE_FORGET_MS, MAX_SHARED_ENTRIES, SWEEP_EVERY_MS } from '../helpers/tuning';
import type { SubmitBody } from '../helpers/validate';
import type { ItemRun } from './itemRun';

/** Finished jobs remembered per kind: enough to see the spread, few enough to follow a change. */
const KEEP = 32;
/**
 * Lengths of scouts' and probes' jobs remembered, apart: the regular jobs, many more, must not
 * push them out; but one older than the last LENGTHS_FOR finished jobs is dropped (a few stay),
 * so jobs that got slower are followed.
 */
const KEEP_LENGTHS = 16;
const LENGTHS_FOR = 64;
/** Jobs of a new kind checked at the plain interval while the others wait for one to finish. */
const SCOUTS = 3;
/** One job in this many is a probe, first checked well before the others, to see the fast ones. */
const PROBE_EVERY = 6;
/** Probes kept among the remembered jobs at least: below this, every job is a probe. */
const MIN_PROBES = 3;
/**
 * A regular job is first checked when the latest job seen running was seen done, but no later
 * than this share of an interval after the estimated earliest finish, so fast jobs are noticed in time.
 */
const AFTER_EARLIEST = 0.75;

export type CheckRole = 'scout' | 'probe' | 'regular';

/** When to check a new job first: `afterMs` after it was accepted, or not known yet (ask again soon). */
type FirstCheck = { afterMs: number; role: CheckRole } | { afterMs: undefined };

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
 * from the probes, every sixth job, first checked before it: a probe found already done looks
 * twice as far back next time, so jobs that got faster are noticed after a few probes.
 */
export class CheckTiming {
	private readonly finished: Finished[] = [];

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

	/** When the process last planned or saw a job of this kind. */
	get lastUsedAt(): number {
		return this.lastUsed;
	}

	/** Plans a job's first check (`waited`: it waited for the scouts); times in ms after acceptance. */
	plan(intervalMs: number, now: number, waited = false): FirstCheck {
		this.lastUsed = now;
		if (this.finished.length === 0) {
			if (this.scoutsOut >= SCOUTS) return { afterMs: undefined };
			this.scoutsOut++;
			return { afterMs: intervalMs, role: 'scout' };
		}
		const seenRunning = this.finished.filter((f) => f.lastRunningAt > 0);
		const latestDone = Math.max(0, ...seenRunning.map((f) => f.doneAt));
		const earliestDone = Math.min(...this.finished.map((f) => f.doneAt));
		const earliest = this.earliest(earliestDone - intervalMs, intervalMs);
		if (++this.planned % PROBE_EVERY === 0 || this.lengths().length < MIN_PROBES) {
			// Probes look back one interval (twice as far after each one found done), each at another
			// third of an interval, so their checks do not all fall at the same point of a job.
			const back = intervalMs * (2 ** Math.min(this.probeMisses, 10) - (this.probes++ % 3) / 3);
			// A job that waited for the scouts is past its probe's time, and would tell of long jobs
			// only (the short ones are done by then): it is checked as the others.
			if (!waited) return { afterMs: Math.max(0, earliest - back), role: 'probe' };
		}
		// Jobs never seen running were all done at their first check: keep checking then.
		const afterMs =
			latestDone > 0 ? Math.min(latestDone, earliest + AFTER_EARLIEST * intervalMs) : earliestDone;
		return { afterMs: Math.max(0, afterMs), role: 'regular' };
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
		return Math.min(...lengths) - this.spread() / (k + 1) + noise;
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

/** Every kind of job the process has seen, keyed by host, key hash and size settings. */
const kinds = new Map<string, CheckTiming>();

let lastSweepAt = 0;

/** What the process learned of jobs like this one: same host and key, same size and steps. */
export function checkTimingFor(item: ItemRun, body: SubmitBody): CheckTiming {
	const host = new URL(item.endpoints.pollUrl).host;
	const size = `${body.width ?? ''}x${body.height ?? ''}x${body.num_steps ?? ''}`;
	return timingOfKind(`${item.run.keyHash}@${host}#${size}`, Date.now());
}

function timingOfKind(kind: string, now: number): CheckTiming {
	if (now - lastSweepAt >= SWEEP_EVERY_MS) {
		lastSweepAt = now;
		for (const [id, timing] of kinds)
			if (now - timing.lastUsedAt >= IDLE_FORGET_MS) kinds.delete(id);
	}
	let timing = kinds.get(kind);
	if (!timing) {
		// The map is full: the least recently used kind makes room.
		for (const id of kinds.keys()) {
			if (kinds.size < MAX_SHARED_ENTRIES) break;
			kinds.delete(id);
		}
		timing = new CheckTiming();
	}
	kinds.delete(kind);
	kinds.set(kind, timing);
	return timing;
}

/** How many kinds of job the process remembers (for the long-run checks). */
export function jobKindCount(): number {
	return kinds.size;
}
