// Get Results: fetches a job by its Job Set ID (by default the incoming item's jobSetId, so it
// follows a Submit that did not wait), checking once or waiting until the job is done.
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { runWorkflow } from '../harness/engine.mjs';
import { inpaintChain } from '../harness/inpaint-workflow.mjs';
import type { Env, Item } from './env.mts';
import { callApi, fast, runInpaint, submitParams, useEnv } from './env.mts';
import { requestsTo } from './checks.mts';

/** Trigger → Submit (no wait) → Get Results (default Job Set ID expression). */
async function runChain(
	env: Env,
	submit: Record<string, unknown>,
	getResults: Record<string, unknown>,
	input?: Array<{ json: Record<string, unknown> }>,
) {
	const run = await runWorkflow({
		pkg: env.pkg,
		workflow: inpaintChain([
			{ name: 'Submit', parameters: submit },
			{ name: 'Get Results', parameters: getResults },
		]),
		credentials: { pixazoApi: env.credentials },
		input,
	});
	return {
		run,
		submitted: run.output('Submit') as Item[],
		fetched: run.output('Get Results') as Item[],
		error: run.nodeError('Get Results'),
	};
}

/** A job submitted straight to the API, outside any run. */
async function submitDirectly(env: Env, prompt: string): Promise<string> {
	return (await callApi(env, 'submit', { prompt })).body.job_set_id;
}

describe('Get Results', () => {
	const env = useEnv();

	it('fetches the finished job of a Submit run through the default Job Set ID expression ({{ $json.jobSetId }})', async () => {
		const { run, submitted, fetched, error } = await runChain(
			env,
			submitParams(env, { waitForCompletion: false, options: fast }),
			// jobSetId left out: n8n fills in the node's default expression.
			{ operation: 'getResults', waitForCompletion: true, options: fast },
		);
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(submitted).toHaveLength(1);
		expect(submitted[0].json.status).toBe('pending');
		const jobSetId = submitted[0].json.jobSetId as string;
		expect(jobSetId).toMatch(/^jobset_/);

		expect(fetched).toHaveLength(1);
		expect(fetched[0].pairedItem).toEqual({ item: 0 });
		expect(fetched[0].json.status).toBe('succeeded');
		expect(fetched[0].json.jobSetId).toBe(jobSetId);
		expect(fetched[0].json.imageUrl).toMatch(/\/results\/.+\.png$/);
		expect(fetched[0].json.imageUrls).toEqual([fetched[0].json.imageUrl]);

		const polls = requestsTo(env, 'poll');
		expect(polls.length).toBeGreaterThanOrEqual(1);
		for (const poll of polls) expect(poll.body).toStrictEqual({ job_set_id: jobSetId });
		expect(env.sim.stats().jobsCreated).toBe(1);
	});

	it("fetches each item's own job when several Submit items flow into Get Results", async () => {
		const prompts = ['a cat [sim:ms=400]', 'a dog [sim:ms=100]'];
		const { submitted, fetched } = await runChain(
			env,
			submitParams(env, { prompt: '={{ $json.p }}', waitForCompletion: false, options: fast }),
			{ operation: 'getResults', waitForCompletion: true, options: fast },
			prompts.map((p) => ({ json: { p } })),
		);
		expect(fetched).toHaveLength(2);
		const jobs = env.sim.stats().jobs;
		fetched.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json.status).toBe('succeeded');
			expect(item.json.jobSetId).toBe(submitted[i].json.jobSetId);
			expect(jobs.find((j: any) => j.jobSetId === item.json.jobSetId)?.prompt).toBe(prompts[i]);
		});
	});

	it("without waiting, checks once and outputs the job's current running status", async () => {
		const jobSetId = await submitDirectly(env, 'a slow lion [sim:ms=30000]');
		const { run, items, error } = await runInpaint(env, {
			operation: 'getResults',
			jobSetId,
			options: fast,
		});
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ jobSetId, imageUrl: null, imageUrls: [] });
		expect(['pending', 'running']).toContain(items[0].json.status);
		expect(requestsTo(env, 'poll')).toHaveLength(1);
	});

	it('without waiting, passes on the API\'s own status word (e.g. "queued")', async () => {
		const jobSetId = await submitDirectly(env, 'a lion [sim:status=queued]');
		const { items } = await runInpaint(env, { operation: 'getResults', jobSetId, options: fast });
		expect(items[0].json).toMatchObject({
			status: 'queued',
			jobSetId,
			imageUrl: null,
			imageUrls: [],
		});
		expect(items[0].json.raw).toEqual({ status: 'queued', job_set_id: jobSetId });
	});

	it('without waiting, outputs a job that already finished with its images', async () => {
		const jobSetId = await submitDirectly(env, 'a quick lion [sim:ms=1]');
		await new Promise((r) => setTimeout(r, 50));
		const { items } = await runInpaint(env, { operation: 'getResults', jobSetId, options: fast });
		expect(items[0].json.status).toBe('succeeded');
		expect(items[0].json.jobSetId).toBe(jobSetId);
		expect(items[0].json.imageUrls).toHaveLength(1);
	});

	it('fails with a 404 NodeApiError that names the unknown Job Set ID', async () => {
		const jobSetId = 'jobset_doesnotexist0000';
		const { run, items, error } = await runInpaint(env, {
			operation: 'getResults',
			jobSetId,
			options: { ...fast, maxRetries: 0 },
		});
		expect(run.status).toBe('error');
		expect(items).toHaveLength(0);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.httpCode).toBe('404');
		expect(error.message).toContain(jobSetId);
		expect(error.description).toMatch(/Job Set ID/);
		expect(requestsTo(env, 'poll')).toHaveLength(1);
	});

	it('a Get Results fed an item without jobSetId fails before asking the API', async () => {
		const { error } = await runInpaint(
			env,
			{ operation: 'getResults', options: fast },
			{ items: [{ json: { other: 1 } }] },
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(/Job Set ID/);
		expect(env.sim.stats().requests.poll).toBe(0);
	});
});
