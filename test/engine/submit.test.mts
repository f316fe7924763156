// Submit: sends the fields the user set, with the API's names, and outputs the job: at once when
// the API answers synchronously or the node is not to wait, else once the job is done, one item
// per input item in input order.
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { callApi, fast, runInpaint, submitParams, useEnv } from './env.mts';
import { requestsTo } from './checks.mts';

const KEY_HEADER = 'ocp-apim-subscription-key';

/** Asks the simulator's poll endpoint directly, as the node would (to compare bodies). */
async function pollDirectly(env: Env, jobSetId: string): Promise<Record<string, unknown>> {
	const { status, body } = await callApi(env, 'poll', { job_set_id: jobSetId });
	expect(status).toBe(200);
	return body;
}

describe('Submit', () => {
	const env = useEnv();

	/** What a submit of `submitParams` sends: the prompt and the simulator's sample image and mask. */
	const sampleBody = () => ({
		prompt: 'Change to a lion',
		imageUrl: env.sim.sampleImageUrl,
		maskUrl: env.sim.sampleMaskUrl,
	});

	/** Runs Submit with these parameters (and fast polling); returns its one output item's JSON. */
	async function submitOne(extra: Record<string, unknown> = {}) {
		const { run, items, error } = await runInpaint(
			env,
			submitParams(env, { options: fast, ...extra }),
		);
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(items).toHaveLength(1);
		return items[0].json;
	}

	it('outputs a synchronous answer as a succeeded item without a jobSetId and without polling', async () => {
		env.sim.configure({ mode: 'sync' });
		const json = await submitOne();
		const url = json.imageUrl as string;
		expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/results\/.+\.png$/);
		expect(json).toEqual({
			status: 'succeeded',
			jobSetId: null,
			imageUrl: url,
			imageUrls: [url],
			results: [{ imageUrl: url, jobId: null }],
			raw: { imageUrl: url },
		});
		expect(env.sim.stats().requests).toMatchObject({ submit: 1, poll: 0 });
		expect(env.sim.stats().jobsCreated).toBe(1);
	});

	it('treats a [sim:sync] prompt answer (image URL in the submit body) as done at once', async () => {
		const json = await submitOne({ prompt: 'Change to a lion [sim:sync]' });
		expect(json.status).toBe('succeeded');
		expect(json.jobSetId).toBeNull();
		expect(json.imageUrl).toBe((json.raw as { imageUrl: string }).imageUrl);
		expect(env.sim.stats().requests.poll).toBe(0);
	});

	it('waits for an async job and outputs the succeeded job with its jobSetId and the last poll body as raw', async () => {
		const json = await submitOne();
		const [job] = env.sim.stats().jobs;
		expect(json.jobSetId).toBe(job.jobSetId);
		expect(json.jobSetId).toMatch(/^jobset_[0-9a-f]{16}$/);
		expect(json.status).toBe('succeeded');

		const polls = requestsTo(env, 'poll');
		expect(polls.length).toBeGreaterThanOrEqual(1);
		expect(polls.every((p: any) => p.body?.job_set_id === job.jobSetId)).toBe(true);

		const last = await pollDirectly(env, job.jobSetId);
		expect(last.status).toBe('succeeded');
		expect(json.raw).toEqual(last);
		const apiResults = last.results as Array<{ imageUrl: string; job_id: string }>;
		expect(json.imageUrl).toBe(apiResults[0].imageUrl);
		expect(json.imageUrls).toEqual([apiResults[0].imageUrl]);
		expect(json.results).toEqual([
			{ imageUrl: apiResults[0].imageUrl, jobId: apiResults[0].job_id },
		]);
	});

	it('without waiting, outputs the accepted job at once: pending status, jobSetId, no image yet', async () => {
		const json = await submitOne({ waitForCompletion: false });
		const [job] = env.sim.stats().jobs;
		expect(json).toEqual({
			status: 'pending',
			jobSetId: job.jobSetId,
			imageUrl: null,
			imageUrls: [],
			results: [],
			raw: { success: true, job_set_id: job.jobSetId, status: 'pending' },
		});
		expect(env.sim.stats().requests).toMatchObject({ submit: 1, poll: 0 });
	});

	it("sends every field the user set, with the API's exact names, and fractional guidance as is", async () => {
		const json = await submitOne({
			additionalFields: {
				negativePrompt: 'watermark, blurry',
				width: 512,
				height: 384,
				numSteps: 25,
				guidance: 7.5,
				seed: 42,
			},
		});
		expect(json.status).toBe('succeeded');
		const submits = requestsTo(env, 'submit');
		expect(submits).toHaveLength(1);
		expect(submits[0].body).toStrictEqual({
			...sampleBody(),
			negative_prompt: 'watermark, blurry',
			width: 512,
			height: 384,
			num_steps: 25,
			guidance: 7.5,
			seed: 42,
		});
		expect(submits[0].headers['content-type']).toMatch(/^application\/json/);
	});

	it('sends only prompt, imageUrl and maskUrl when no additional field is set', async () => {
		await submitOne({ additionalFields: {} });
		const submits = requestsTo(env, 'submit');
		expect(submits).toHaveLength(1);
		expect(submits[0].body).toStrictEqual(sampleBody());
	});

	it('sends only the prompt when image and mask URLs are left empty', async () => {
		const json = await submitOne({ prompt: 'A red fox', imageUrl: '', maskUrl: '' });
		expect(json.status).toBe('succeeded');
		expect(requestsTo(env, 'submit')[0].body).toStrictEqual({ prompt: 'A red fox' });
	});

	it('sends seed 0 and guidance 0 when the user set them (zero is a value, not "unset")', async () => {
		await submitOne({ additionalFields: { seed: 0, guidance: 0 } });
		const body = requestsTo(env, 'submit')[0].body as Record<string, unknown>;
		expect(body.seed).toBe(0);
		expect(body.guidance).toBe(0);
	});

	it('sends the subscription key header on the submit and on every status check', async () => {
		expect((await submitOne()).status).toBe('succeeded');
		const calls = [...requestsTo(env, 'submit'), ...requestsTo(env, 'poll')];
		expect(requestsTo(env, 'submit')).toHaveLength(1);
		expect(requestsTo(env, 'poll').length).toBeGreaterThanOrEqual(1);
		for (const call of calls) expect(call.headers[KEY_HEADER]).toBe(env.sim.key);
		expect(env.sim.stats().answered['401'] ?? 0).toBe(0);
	});

	it('outputs one item per input item, in input order with pairedItem, even when later jobs finish first', async () => {
		const prompts = ['first [sim:ms=700]', 'second [sim:ms=350]', 'third [sim:ms=50]'];
		const { items } = await runInpaint(
			env,
			submitParams(env, { prompt: '={{ $json.p }}', options: fast }),
			{ items: prompts.map((p) => ({ json: { p } })) },
		);
		expect(items).toHaveLength(3);
		const jobs = env.sim.stats().jobs;
		expect(jobs).toHaveLength(3);
		items.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json.status).toBe('succeeded');
			const job = jobs.find((j: any) => j.jobSetId === item.json.jobSetId);
			expect(job?.prompt).toBe(prompts[i]);
		});
		expect(new Set(items.map((i) => i.json.imageUrl)).size).toBe(3);
	});

	it('outputs every image of a job that returns several ([sim:results=3])', async () => {
		const json = await submitOne({ prompt: 'Lions [sim:results=3]' });
		expect(json.status).toBe('succeeded');
		const urls = json.imageUrls as string[];
		expect(urls).toHaveLength(3);
		expect(new Set(urls).size).toBe(3);
		expect(json.imageUrl).toBe(urls[0]);
		const results = json.results as Array<{ imageUrl: string; jobId: string }>;
		expect(results.map((r) => r.imageUrl)).toEqual(urls);
		expect(results.every((r) => typeof r.jobId === 'string' && r.jobId !== '')).toBe(true);
	});

	it('outputs every image of a synchronous answer with several results', async () => {
		const json = await submitOne({ prompt: 'Lions [sim:sync] [sim:results=2]' });
		expect(json.status).toBe('succeeded');
		expect(json.jobSetId).toBeNull();
		expect(json.imageUrls).toHaveLength(2);
		expect(json.imageUrl).toBe((json.raw as { imageUrl: string }).imageUrl);
		expect(env.sim.stats().requests.poll).toBe(0);
	});
});
