// checkTimingReplay: the node's check timing (the built CheckTiming, no HTTP, no waiting) replayed
// on many random batches, to show how often a run meets the goals, not only whether one run did.
// Each replay: a cold batch, a warm-up batch and a measured batch of 60 jobs of one kind,
// accepted together, lengths uniform over ±jitter; a check finds its job running or done on arrival,
// 4 ms after it is sent, and is answered 4 ms later; a job not yet checked asks the timing again
// every 250 ms (as the node does). Time jumps from one event to the next.
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { CLASSES, label } from './checkTiming.mjs';
import { average, DEFAULT_POLL_INTERVAL_MS, percentile, root, round, say } from '../lib.mjs';

const { CheckTiming } = createRequire(import.meta.url)(
	join(root, 'dist/nodes/Inpaint/job/checkTiming.js'),
);
const INTERVAL = DEFAULT_POLL_INTERVAL_MS;
const ANSWER_MS = 8;
const REPLAN_MS = 250;

function random(seed) {
	let s = seed >>> 0;
	return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** The next moment a job not done yet looks at its timing again or is checked. */
function nextEvent(jobs) {
	let at = Infinity;
	for (const job of jobs) {
		if (job.delay !== undefined) continue;
		if (job.checks === 0) at = Math.min(at, job.lookAt);
		if (job.nextAt !== undefined) at = Math.min(at, job.nextAt);
	}
	return at;
}

/** One batch of `n` jobs accepted 3 ms apart from `t0`; returns checks per job and delay p95. */
function batch(timing, { ms, jitter }, n, next, t0) {
	const jobs = Array.from({ length: n }, (_, i) => ({
		since: t0 + i * 3,
		length: ms * (1 + (2 * next() - 1) * jitter),
		checks: 0,
		lookAt: t0 + i * 3,
	}));
	for (let t = t0, open = n; open > 0; t = Math.max(t + 1, nextEvent(jobs))) {
		for (const job of jobs) {
			if (job.delay !== undefined || t < job.since) continue;
			if (job.checks === 0 && t >= job.lookAt) {
				job.plan ??= timing.plan(t, job.lookAt > job.since);
				if (job.plan)
					job.nextAt = job.since + timing.firstCheckAfter(job.plan, INTERVAL, job.since);
				job.lookAt = t + REPLAN_MS;
			}
			if (job.nextAt === undefined || t < job.nextAt) continue;
			job.checks++;
			const answeredAt = t + ANSWER_MS;
			// The simulator tells running from done when the check arrives, half the way.
			if (t + ANSWER_MS / 2 - job.since < job.length) {
				job.lastRunningAt = answeredAt - job.since;
				job.nextAt = t + INTERVAL;
				continue;
			}
			job.delay = t + ANSWER_MS / 2 - (job.since + job.length);
			open--;
			const { role } = job.plan;
			const seen = { role, lastRunningAt: job.lastRunningAt, doneAt: answeredAt - job.since };
			timing.finishedJob(seen, INTERVAL, answeredAt);
			if (role === 'scout') timing.scoutEnded();
		}
	}
	return {
		checks: average(jobs.map((j) => j.checks)),
		p95: percentile(
			jobs.map((j) => j.delay),
			95,
		),
	};
}

export function checkTimingReplay(results, quick) {
	const replays = quick ? 10 : 40;
	results.checkTimingReplay = { replays, jobsPerBatch: 60, pollIntervalMs: INTERVAL, kinds: {} };
	for (const c of CLASSES) {
		const measured = Array.from({ length: replays }, (_, k) => {
			const next = random((k + 1) * 7919);
			const timing = new CheckTiming();
			batch(timing, c, 60, next, 0);
			batch(timing, c, 60, next, 1e6);
			return batch(timing, c, 60, next, 2e6);
		});
		const figure = {
			checksPerJob: round(average(measured.map((m) => m.checks)), 2),
			goal: c.goal,
			shareMeetingChecks: round(measured.filter((m) => m.checks <= c.goal).length / replays, 2),
			shareMeetingDelay: round(measured.filter((m) => m.p95 <= INTERVAL).length / replays, 2),
		};
		results.checkTimingReplay.kinds[label(c)] = figure;
		say(
			`replayed ${label(c)}: ${figure.checksPerJob} checks per job on average (goal ≤ ${c.goal}); runs meeting it ${figure.shareMeetingChecks * 100} %, meeting delay p95 ≤ ${INTERVAL} ms ${figure.shareMeetingDelay * 100} %`,
		);
	}
}
