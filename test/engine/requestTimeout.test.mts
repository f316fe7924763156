// An API that does not answer cannot hold the worker. Every request has Options > Request Timeout;
// requests queued for a free slot behind a hung one give up at their job's deadline without being
// sent. Proved by what the simulator saw (which requests arrived, which connections the node
// closed), never by how long the run took.
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { fast, fastRetries, promptItems, runInpaint, submitParams, useEnv } from './env.mts';
import { faultOnArrival } from './faults.mts';
import {
	checksByJob,
	expectClearErrorItem,
	expectClosedByNode,
	requestsTo,
	WAIT_TOLERANCE_MS,
} from './checks.mts';

const quick = fastRetries(2);

describe('every request has a timeout, so a hung connection cannot hold the worker', () => {
	const env = useEnv();

	it('a status check that never gets an answer is abandoned after Request Timeout and the job still succeeds', async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'hang' });
		const { run, items } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, requestTimeout: 0.5 } }),
		);
		expect(run.status).toBe('success');
		expect(items[0].json.status).toBe('succeeded');
		const polls = requestsTo(env, 'poll');
		expect(polls[0].fault).toBe('hang');
		expect(polls[1].time - polls[0].time).toBeGreaterThanOrEqual(500 - WAIT_TOLERANCE_MS);
	});

	it('status checks that always hang end in a timeout error that carries the jobSetId', async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'hang', times: 1000 });
		const { run, items } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, timeout: 1.5, requestTimeout: 0.3 } }),
			{ continueOnFail: true },
		);
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		expect(items[0].json.jobSetId).toBe(job.jobSetId);
		expect(items[0].json.error).toMatch(/No answer .* within 0\.3 s/);
		expect(items[0].json.description).toMatch(/retried for 1\.5 s.*Job Set ID/);
		// Retried until the Job Timeout, not Max Retries: every check hung.
		const polls = requestsTo(env, 'poll');
		expect(polls.length).toBeGreaterThan(2);
		expect(polls.every((r: any) => r.fault === 'hang')).toBe(true);
	});

	it('a result download that never arrives is given up after Request Timeout with a clear error', async () => {
		env.sim.configure({ resultDownloadDelayMs: 20_000 });
		const { run, items } = await runInpaint(
			env,
			submitParams(env, {
				options: { ...quick, maxRetries: 0, requestTimeout: 0.5, downloadImages: true },
			}),
			{ continueOnFail: true },
		);
		expect(run.status).toBe('success');
		expect(items[0].json.error).toMatch(/download/i);
		expectClearErrorItem(items[0]);
	});
});

describe('a request waiting for a free slot gives up at its deadline', () => {
	const env = useEnv({ jobMs: 300 });

	/**
	 * One 60 s job per Job Timeout given, Concurrency 1 (every request waits for the one slot),
	 * under Continue On Fail: the run succeeds with one item per job. Checked every 0.5 s: the
	 * submits, a few milliseconds each, have all been sent when item 0's first check is due (a check
	 * near its deadline goes before a waiting submit).
	 */
	async function runLongJobs(timeouts: number[], options: Record<string, unknown>) {
		const { run, items } = await runInpaint(
			env,
			submitParams(env, {
				prompt: '={{ $json.prompt }}',
				options: {
					...fast,
					pollInterval: 0.5,
					timeout: '={{ $json.timeout }}',
					concurrency: 1,
					...options,
				},
			}),
			{ items: longJobs(timeouts), continueOnFail: true },
		);
		expect(run.status).toBe('success');
		expect(items).toHaveLength(timeouts.length);
		return items;
	}
	function longJobs(timeouts: number[]) {
		return promptItems(timeouts.length, (n) => ({
			prompt: `Change to lion number ${n} [sim:ms=60000]`,
			timeout: timeouts[n],
		}));
	}
	const jobsOf = (env: Env, count: number): any[] =>
		Array.from({ length: count }, (_, n) =>
			env.sim.stats().jobs.find((j: any) => j.prompt.startsWith(`Change to lion number ${n} `)),
		);

	it('status checks queued behind a hung one (Concurrency 1) end at their own Job Timeout and are never sent', async () => {
		// Item 0 (Job Timeout 3 s) holds the only slot with a status check that gets no answer until
		// the node gives up on it near its own deadline. Items 1 and 2 (Job Timeout 1 s) wait for that
		// slot; their deadlines come about 2 s before it frees up.
		faultOnArrival(env, 'poll', (n) => (n === 1 ? { endpoint: 'poll', type: 'hang' } : undefined));
		const items = await runLongJobs([3, 1, 1], { requestTimeout: 60 });
		const jobs = jobsOf(env, 3);
		expect(jobs.every((j) => /^jobset_/.test(j.jobSetId))).toBe(true);

		// The only status check that ever reached the API is item 0's hung one, closed by the node.
		const polls = requestsTo(env, 'poll');
		expect(polls.map((r: any) => [r.body.job_set_id, r.fault])).toEqual([
			[jobs[0].jobSetId, 'hang'],
		]);
		await expectClosedByNode(env, 'poll');

		for (const n of [1, 2]) {
			expect(items[n].json.error).toBe(
				`Job ${jobs[n].jobSetId} did not finish within 1 s (last status: pending)`,
			);
			expect(items[n].json.jobSetId).toBe(jobs[n].jobSetId);
		}
		// Item 0's checks failed until its own Job Timeout: its error says so and names its job.
		expect(items[0].json.jobSetId).toBe(jobs[0].jobSetId);
		expect(items[0].json.description).toContain('The status checks were retried for 3 s');
		expect(items[0].json.description).toContain(jobs[0].jobSetId);
	});

	it('submits queued behind a hung one (Concurrency 1) give up at their Job Timeout, unsent, saying no job was created', async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'hang' });
		const items = await runLongJobs([3, 1, 1], { requestTimeout: 60 });
		// One submit reached the API: item 0's, hung, and closed by the node at its timeout.
		const submits = requestsTo(env, 'submit');
		expect(submits.map((r: any) => [r.body.prompt, r.fault])).toEqual([
			[longJobs([3])[0].json.prompt, 'hang'],
		]);
		await expectClosedByNode(env, 'submit');
		expect(env.sim.stats().jobsCreated).toBe(0);
		for (const n of [1, 2]) {
			expect(items[n].json.error).toBe(
				'The Pixazo API took no request for 1 s, so this item was not sent',
			);
			expect(items[n].json.description).toContain('No job was created for this item');
			expect(items[n].json.jobSetId).toBeNull();
		}
		// The hung submit itself: not re-sent, the job may exist.
		expect(items[0].json.error).toMatch(/^No answer from /);
		expect(items[0].json.description).toContain('the API may have created the job anyway');
	});

	it("Concurrency 1, three jobs, every status check answered after 3 s, Job Timeout 1 s: every item ends with its jobSetId, and no check goes out after its job's deadline slot", async () => {
		env.sim.configure({ pollDelayMs: 3000 });
		const items = await runLongJobs([1, 1, 1], { timeout: 1 });
		const jobs = jobsOf(env, 3);
		items.forEach((item, n) => {
			expect(item.json.jobSetId).toBe(jobs[n].jobSetId);
			expect(`${item.json.error} ${item.json.description}`).toContain(jobs[n].jobSetId);
			// Either "did not finish within 1 s" or "the status checks were retried for 1 s": both name the Job Timeout.
			expect(`${item.json.error} ${item.json.description}`).toMatch(/within 1 s|retried for 1 s/);
		});
		// Each check holds the one slot for at least 1 s (the node never waits less for an answer),
		// past its job's deadline, so no job is checked twice; and the three deadlines fall within
		// the time two checks take, so the third job's check, still queued at its deadline, is never
		// sent. A queue without deadlines would send every queued check in turn.
		expect(
			jobs[2].createdAt - jobs[0].createdAt,
			'set-up: the three jobs were accepted within 1 s',
		).toBeLessThan(1000);
		for (const checks of checksByJob(env).values()) expect(checks).toHaveLength(1);
		expect(requestsTo(env, 'poll').length).toBeLessThan(3);
	});
});
