// On Error → Continue (Continue On Fail): one output item per input, in input order, each failure
// an error item that carries its jobSetId, so no accepted job is lost. Without it the node throws,
// names the jobs the API accepted for the other items, and sends no further submit once an item
// has failed: each submit may be a billable job. Counted from the simulator's log.
import { NodeApiError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { fast, runInpaint, runItems, submitParams, useEnv } from './env.mts';
import { faultOnArrival } from './faults.mts';
import { jobOf, requestsTo } from './checks.mts';

const BAD_REQUEST = 'The Pixazo API rejected the request as invalid (400)';

describe('Continue On Fail', () => {
	const env = useEnv();
	const params = (env: Env) => submitParams(env, { prompt: '={{ $json.prompt }}', options: fast });

	it('outputs one item per input in order: the good job succeeded, each failed one an error item with its jobSetId', async () => {
		const prompts = ['a lion', 'a tiger [sim:outcome=failed]', ''];
		const { run, items, error } = await runInpaint(env, params(env), {
			continueOnFail: true,
			items: prompts.map((prompt) => ({ json: { prompt } })),
		});
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(items).toHaveLength(3);
		items.forEach((item, i) => expect(item.pairedItem).toEqual({ item: i }));

		const good = jobOf(env, 'a lion');
		expect(items[0].json.status).toBe('succeeded');
		expect(items[0].json.jobSetId).toBe(good?.jobSetId);
		expect(items[0].json.imageUrl).toMatch(/\/results\/.+\.png$/);

		const failedJob = jobOf(env, prompts[1]);
		expect(failedJob?.jobSetId).toMatch(/^jobset_/);
		expect(Object.keys(items[1].json).sort()).toEqual([
			'description',
			'error',
			'httpCode',
			'jobSetId',
			'status',
		]);
		expect(items[1].json.jobSetId).toBe(failedJob?.jobSetId);
		expect(items[1].json.status).toBe('failed');
		expect(items[1].json.error).toMatch(/failed/);
		expect(items[1].json.error).toContain('The model could not process this image');
		expect(typeof items[1].json.description).toBe('string');

		expect(Object.keys(items[2].json).sort()).toEqual([
			'description',
			'error',
			'httpCode',
			'jobSetId',
			'status',
		]);
		expect(items[2].json.error).toMatch(/prompt/i);
		expect(items[2].json.jobSetId).toBeNull();
		expect(items[2].json.httpCode).toBeNull();
		expect(items[2].json.status).toBeNull();

		// The invalid item was never sent; the two others were, once each.
		expect(env.sim.stats().jobsCreated).toBe(2);
		expect(env.sim.stats().requests.submit).toBe(2);
	});

	it('an API error item carries the HTTP code, and the other items still go on', async () => {
		env.sim.enqueueFaults([{ endpoint: 'submit', type: 'status', status: 403 }]);
		const { items } = await runInpaint(
			env,
			submitParams(env, {
				prompt: '={{ $json.prompt }}',
				options: { ...fast, maxRetries: 0, concurrency: 1 },
			}),
			{
				continueOnFail: true,
				items: [{ json: { prompt: 'first' } }, { json: { prompt: 'second' } }],
			},
		);
		expect(items).toHaveLength(2);
		items.forEach((item, i) => expect(item.pairedItem).toEqual({ item: i }));
		// Whichever item's submit met the 403, it became an error item; the other one succeeded.
		const failed = items.filter((item) => item.json.error !== undefined);
		const good = items.filter((item) => item.json.status === 'succeeded');
		expect(failed).toHaveLength(1);
		expect(good).toHaveLength(1);
		expect(failed[0].json).toMatchObject({ httpCode: 403, jobSetId: null });
		expect(failed[0].json.error).toMatch(/access/i);
		expect(env.sim.stats().jobsCreated).toBe(1);
		expect(good[0].json.jobSetId).toBe(env.sim.stats().jobs[0].jobSetId);
	});

	it('a job that ran past the timeout becomes an error item with its jobSetId and last status', async () => {
		const { items } = await runInpaint(
			env,
			submitParams(env, { prompt: 'slow [sim:ms=30000]', options: { ...fast, timeout: 1 } }),
			{ continueOnFail: true },
		);
		const job = jobOf(env, 'slow [sim:ms=30000]');
		expect(items).toHaveLength(1);
		expect(items[0].json.jobSetId).toBe(job?.jobSetId);
		expect(['pending', 'running']).toContain(items[0].json.status);
		expect(items[0].json.error).toContain(job?.jobSetId);
		expect(items[0].json.httpCode).toBeNull();
	});

	it('without Continue On Fail, the node throws and the error lists the jobSetId of the other accepted items', async () => {
		const prompts = ['a slow lion [sim:ms=3000]', 'a tiger [sim:outcome=failed] [sim:ms=50]'];
		const { run, items, error } = await runInpaint(env, params(env), {
			items: prompts.map((prompt) => ({ json: { prompt } })),
		});
		expect(run.status).toBe('error');
		expect(items).toHaveLength(0);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.context?.itemIndex).toBe(1);
		const failed = jobOf(env, prompts[1]);
		const other = jobOf(env, prompts[0]);
		expect(error.message).toContain(failed?.jobSetId);
		expect(error.description).toContain(other?.jobSetId);
		expect(error.description).toMatch(/item 0/);
		expect(error.description).toMatch(/Get Results/);
	});
});

describe('a failed run sends no further submit', () => {
	const env = useEnv({ jobMs: 300 });

	it("Concurrency 1, ten items, the first submit answered 400: exactly one submit reached the API, and the error is item 0's", async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'status', status: 400 });
		const { run, error } = await runItems(env, 10, { concurrency: 1 });
		expect(run.status).toBe('error');
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(BAD_REQUEST);
		expect(error.context?.itemIndex).toBe(0);
		const submits = requestsTo(env, 'submit');
		expect(submits.map((r: any) => [r.body.prompt, r.status])).toEqual([
			['Change to lion number 0', 400],
		]);
		expect(env.sim.stats().jobsCreated).toBe(0);
	});

	it('Concurrency 10, thirty items: once the first answer is a 400, no slot that frees up sends another submit; the nine in flight finish and are listed', async () => {
		// The first submit to arrive is answered 400 at once; the nine others sent with it are held
		// by the API for 3 s (then accepted), so all ten slots are busy when the 400 comes back. The
		// only slot free after it is the failed item's own: a run that kept sending would use it at
		// once (an 11th submit), and nine more when the held ones are answered.
		faultOnArrival(env, 'submit', (n) =>
			n === 1
				? { endpoint: 'submit', type: 'status', status: 400 }
				: { endpoint: 'submit', type: 'delay', ms: 3000 },
		);
		const { run, error } = await runItems(env, 30, { concurrency: 10 });
		const submits = requestsTo(env, 'submit') as any[];
		const failed = submits.find((r: any) => r.status === 400);
		const held = submits.filter((r: any) => r !== failed);

		// The set-up held: ten submits went out together, the 400 was answered before any held one.
		expect(failed).toBeDefined();
		expect(held).toHaveLength(9);
		for (const r of held) expect(r.doneAt).toBeGreaterThan(failed.doneAt);

		// What this test is about: no eleventh submit, ever.
		expect(submits).toHaveLength(10);
		expect(env.sim.stats().requests.submit).toBe(10);

		// The item that got the 400 is the error thrown; the nine accepted jobs are listed in it.
		expect(run.status).toBe('error');
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(BAD_REQUEST);
		const failedItem = Number(/\d+$/.exec(failed.body.prompt)![0]);
		expect(error.context?.itemIndex).toBe(failedItem);
		const jobs = env.sim.stats().jobs;
		expect(jobs).toHaveLength(9);
		for (const job of jobs) expect(error.description).toContain(job.jobSetId);
		// Every item sent was one of the first ten (the Pacer hands slots out in item order).
		for (const r of submits) expect(Number(/\d+$/.exec(r.body.prompt)![0])).toBeLessThan(10);
	});

	it('with Continue On Fail every item is still submitted: one error item, the other nine succeed', async () => {
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'status', status: 400 });
		const {
			run,
			items: out,
			error,
		} = await runItems(env, 10, { concurrency: 1 }, { continueOnFail: true });
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(requestsTo(env, 'submit')).toHaveLength(10);
		expect(out).toHaveLength(10);
		expect(out[0].json.error).toBe(BAD_REQUEST);
		expect(out[0].json.httpCode).toBe(400);
		for (const item of out.slice(1)) expect(item.json.status).toBe('succeeded');
		expect(env.sim.stats().jobsCreated).toBe(9);
	});
});
