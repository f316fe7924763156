import { NodeApiError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { fast, runInpaint, submitParams, useEnv } from './env.mts';

function jobFor(env: Env, prompt: string) {
	return env.sim.stats().jobs.find((j: any) => j.prompt === prompt);
}

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

		const good = jobFor(env, 'a lion');
		expect(items[0].json.status).toBe('succeeded');
		expect(items[0].json.jobSetId).toBe(good?.jobSetId);
		expect(items[0].json.imageUrl).toMatch(/\/results\/.+\.png$/);

		const failedJob = jobFor(env, prompts[1]);
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
		const job = jobFor(env, 'slow [sim:ms=30000]');
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
		const failed = jobFor(env, prompts[1]);
		const other = jobFor(env, prompts[0]);
		expect(error.message).toContain(failed?.jobSetId);
		expect(error.description).toContain(other?.jobSetId);
		expect(error.description).toMatch(/item 0/);
		expect(error.description).toMatch(/Get Results/);
	});
});
