// Status checks timed to when jobs finish: the node learns, per host, key and size settings, how
// long jobs take, and checks a new job first when such jobs were done, then every Poll Interval.
import { describe, expect, it, vi } from 'vitest';

import type { Env } from './env.mts';
import { perItemParams, promptItems, runInpaint, useEnv } from './env.mts';

/** Status checks per job of the jobs whose prompt starts with `tag`. */
function checksPerJob(env: Env, tag: string): number[] {
	return env.sim
		.stats()
		.jobs.filter((job: any) => job.prompt.startsWith(tag))
		.map((job: any) => job.polls);
}

const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** How many jobs tagged `tag` were checked before the first of them finished. */
function checkedBeforeFirstFinish(env: Env, tag: string): number {
	const jobs = env.sim.stats().jobs.filter((job: any) => job.prompt.startsWith(tag));
	const ids = new Set(jobs.map((job: any) => job.jobSetId));
	const firstFinish = Math.min(...jobs.map((job: any) => job.finishAt));
	const checked = env.sim
		.requests()
		.filter(
			(r: any) => r.endpoint === 'poll' && r.time < firstFinish && ids.has(r.body.job_set_id),
		);
	return new Set(checked.map((r: any) => r.body.job_set_id)).size;
}

/** A quarter-second interval, so that a 1.5 s job checked at the interval takes six checks. */
const params = (env: Env) => perItemParams(env, { pollInterval: 0.25 });

describe('status checks timed to when jobs finish', () => {
	const env = useEnv({ jobMs: 1500 });

	it('with nothing learned, three jobs are checked at the interval and the others wait for one of them to finish', async () => {
		const { run } = await runInpaint(env, params(env), { items: promptItems(10) });
		expect(run.status).toBe('success');
		const { jobs } = env.sim.stats();
		const firstFinish = Math.min(...jobs.map((job: any) => job.finishAt));
		const checkedBefore = new Set(
			env.sim
				.requests()
				.filter((r: any) => r.endpoint === 'poll' && r.time < firstFinish)
				.map((r: any) => r.body.job_set_id),
		);
		expect(checkedBefore.size).toBeLessThanOrEqual(3);
		expect(checksPerJob(env, 'Change to lion').every((polls) => polls >= 1)).toBe(true);
	});

	it('jobs of about the same length (±5 %) are first checked when such jobs were done: far fewer checks', async () => {
		env.sim.configure({ jobJitter: 0.05 });
		const warm = await runInpaint(env, params(env), {
			items: promptItems(12, (n) => ({ prompt: `warm ${n}` })),
		});
		expect(warm.run.status).toBe('success');
		const { run, items } = await runInpaint(env, params(env), {
			items: promptItems(12, (n) => ({ prompt: `learned ${n}` })),
		});
		expect(run.status).toBe('success');
		expect(items.every((i) => i.json.status === 'succeeded')).toBe(true);
		// Checked every quarter second from the start, each 1.5 s job would take six checks.
		expect(average(checksPerJob(env, 'learned'))).toBeLessThanOrEqual(3);
		expect(average(checksPerJob(env, 'learned'))).toBeLessThan(average(checksPerJob(env, 'warm')));
	});

	it('jobs whose lengths vary widely (±25 %) are still each noticed, with fewer checks than the plain interval', async () => {
		env.sim.configure({ jobJitter: 0.25 });
		await runInpaint(env, params(env), {
			items: promptItems(12, (n) => ({ prompt: `warm ${n}` })),
		});
		const { run, items } = await runInpaint(env, params(env), {
			items: promptItems(12, (n) => ({ prompt: `learned ${n}` })),
		});
		expect(run.status).toBe('success');
		expect(items.every((i) => i.json.status === 'succeeded')).toBe(true);
		expect(average(checksPerJob(env, 'learned'))).toBeLessThanOrEqual(5);
	});

	it('what was learned is forgotten once unused for 10 minutes: the next jobs scout again', async () => {
		await runInpaint(env, params(env), {
			items: promptItems(12, (n) => ({ prompt: `before ${n}` })),
		});
		const learned = await runInpaint(env, params(env), {
			items: promptItems(6, (n) => ({ prompt: `learned ${n}` })),
		});
		expect(learned.run.status).toBe('success');
		// Learned: every job checked first near its end, none every interval from the start.
		expect(Math.max(...checksPerJob(env, 'learned'))).toBeLessThanOrEqual(3);
		vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
		try {
			vi.setSystemTime(Date.now() + 11 * 60_000);
			const { run } = await runInpaint(env, params(env), {
				items: promptItems(10, (n) => ({ prompt: `after ${n}` })),
			});
			expect(run.status).toBe('success');
		} finally {
			vi.useRealTimers();
		}
		// Forgotten: three scouts checked every interval (six times or so), the others waiting.
		expect(checkedBeforeFirstFinish(env, 'after')).toBeLessThanOrEqual(3);
		expect(
			checksPerJob(env, 'after').filter((checks) => checks >= 4).length,
		).toBeGreaterThanOrEqual(3);
	});

	it('a job of another size is another kind: nothing learned of the first kind applies', async () => {
		await runInpaint(env, params(env), {
			items: promptItems(6, (n) => ({ prompt: `small ${n}` })),
		});
		const other = { ...params(env), additionalFields: { width: 256, height: 256 } };
		const { run } = await runInpaint(env, other, {
			items: promptItems(6, (n) => ({ prompt: `large ${n}` })),
		});
		expect(run.status).toBe('success');
		const { jobs } = env.sim.stats();
		const large = jobs.filter((job: any) => job.prompt.startsWith('large'));
		const firstFinish = Math.min(...large.map((job: any) => job.finishAt));
		const checkedBefore = new Set(
			env.sim
				.requests()
				.filter((r: any) => r.endpoint === 'poll' && r.time < firstFinish)
				.map((r: any) => r.body.job_set_id)
				.filter((id: string) => large.some((job: any) => job.jobSetId === id)),
		);
		// Scouts again: three checked at the interval, the rest waiting.
		expect(checkedBefore.size).toBeLessThanOrEqual(3);
	});
});
