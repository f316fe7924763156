import { describe, expect, it } from 'vitest';

import { CheckTiming } from '../../nodes/Inpaint/job/checkTiming';

const INTERVAL = 2000;

/** Runs `count` jobs of `lengthMs` (one after another) through the timing, as the node checks them. */
function runJobs(timing: CheckTiming, lengths: number[]): Array<{ checks: number; delay: number }> {
	return lengths.map((length) => {
		const plan = timing.plan(0);
		if (!plan) throw new Error('nothing to wait for here');
		let at = timing.firstCheckAfter(plan, INTERVAL, 0);
		let checks = 1;
		let lastRunning: number | undefined;
		while (at < length) {
			lastRunning = at;
			at += INTERVAL;
			checks++;
		}
		timing.finishedJob({ role: plan.role, lastRunningAt: lastRunning, doneAt: at }, INTERVAL, 0);
		if (plan.role === 'scout') timing.scoutEnded();
		return { checks, delay: at - length };
	});
}

/** `count` lengths spread evenly at random over center ± share (a fixed seed: the same every run). */
function spread(center: number, share: number, count: number): number[] {
	let seed = 12345;
	const random = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
	return Array.from({ length: count }, () => center * (1 + share * (2 * random() - 1)));
}

/** When the next job that is not a probe would be checked first. */
function regularFirstCheck(timing: CheckTiming, acceptedAt = 0): number {
	for (;;) {
		const plan = timing.plan(0);
		if (plan?.role === 'regular') return timing.firstCheckAfter(plan, INTERVAL, acceptedAt);
	}
}

describe('check timing: the first check comes when jobs of the kind are done', () => {
	it('with nothing learned, three scouts are checked at the interval and the other jobs wait for one to finish', () => {
		const timing = new CheckTiming();
		const plans = Array.from({ length: 5 }, () => timing.plan(0));
		expect(plans.slice(0, 3)).toEqual(Array(3).fill({ role: 'scout', turn: 0 }));
		expect(plans.slice(3)).toEqual([undefined, undefined]);
		expect(timing.firstCheckAfter({ role: 'scout', turn: 0 }, INTERVAL, 0)).toBe(INTERVAL);
		timing.scoutEnded();
		expect(timing.plan(0)).toEqual({ role: 'scout', turn: 0 });
	});

	it('once 20 s jobs have been seen, a 20 s job is first checked near 20 s, not at 2 s', () => {
		const timing = new CheckTiming();
		runJobs(timing, spread(20_000, 0.05, 30));
		const afterMs = regularFirstCheck(timing);
		expect(afterMs).toBeGreaterThan(18_000);
		expect(afterMs).toBeLessThan(22_000);
	});

	it('jobs of the same length (±5 %) need about one check each, and each is noticed within the interval', () => {
		const timing = new CheckTiming();
		runJobs(timing, spread(60_000, 0.05, 30));
		const results = runJobs(timing, spread(60_000, 0.05, 60));
		const checks = results.reduce((sum, r) => sum + r.checks, 0) / results.length;
		expect(checks).toBeLessThanOrEqual(3); // checked every interval, they would need 30
		const delays = results.map((r) => r.delay).sort((a, b) => a - b);
		expect(delays[Math.ceil(0.95 * delays.length) - 1]).toBeLessThanOrEqual(INTERVAL);
	});

	it('jobs that got faster are noticed: the first check moves down within a few dozen jobs', () => {
		const timing = new CheckTiming();
		runJobs(timing, spread(60_000, 0.05, 30));
		runJobs(timing, spread(20_000, 0.05, 60));
		const results = runJobs(timing, spread(20_000, 0.05, 30));
		expect(Math.max(...results.map((r) => r.delay))).toBeLessThanOrEqual(INTERVAL);
	});

	it('jobs that got slower cost checks for a while (the faster lengths are kept for 128 jobs), then the first check moves up', () => {
		const timing = new CheckTiming();
		runJobs(timing, spread(20_000, 0.05, 30));
		runJobs(timing, spread(60_000, 0.05, 150));
		const results = runJobs(timing, spread(60_000, 0.05, 30));
		// Checked every interval from the start, a 60 s job takes about 30 checks.
		expect(results.reduce((sum, r) => sum + r.checks, 0) / results.length).toBeLessThanOrEqual(5);
	});

	it('a probe seen finish while jobs wait brings their first check forward, within the same batch', () => {
		const timing = new CheckTiming();
		runJobs(timing, spread(60_000, 0.05, 30));
		const acceptedAt = 1_000_000;
		const before = regularFirstCheck(timing, acceptedAt);
		expect(before).toBeGreaterThan(55_000);
		// Meanwhile a probe accepted with it was seen running at 40 s and done at 42 s.
		timing.finishedJob(
			{ role: 'probe', lastRunningAt: 40_000, doneAt: 42_000 },
			INTERVAL,
			acceptedAt + 42_000,
		);
		expect(regularFirstCheck(timing, acceptedAt)).toBeLessThanOrEqual(42_000 + INTERVAL / 2);
	});
});
