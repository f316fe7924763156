// Options > Download Images: each result image becomes binary data on the item, with the exact
// bytes its URL serves, in both of n8n's binary modes; downloads never carry the subscription key;
// nothing is downloaded unless asked. What happens when a download fails is in
// downloadFailures.test.mts.
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { fast, runInpaint, submitParams, useEnv } from './env.mts';
import { answeredWith, faultOnArrival, redirectedTo } from './faults.mts';
import { apiRequests, fetchBytes, requestsTo } from './checks.mts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const download = { ...fast, downloadImages: true };

describe.each(['default', 'filesystem'] as const)(
	'Download Images (binary mode %s)',
	(binaryMode) => {
		const env = useEnv();

		/** One run downloading the images of a job of `prompt`: the item and its binary fields' bytes. */
		async function downloaded(prompt: string, options: Record<string, unknown> = {}) {
			const { run, items, error } = await runInpaint(
				env,
				submitParams(env, { prompt, options: { ...download, ...options } }),
				{ binaryMode },
			);
			expect(error).toBeUndefined();
			const item = items[0];
			const bytes = async (field: string) => run.readBinary(item, field);
			return { items, item, bytes };
		}

		it('puts the one result image into binary "data" as a PNG with the exact bytes of the image URL', async () => {
			const { items, item, bytes } = await downloaded('Change to a lion');
			expect(items).toHaveLength(1);
			expect(item.json.status).toBe('succeeded');
			expect(Object.keys(item.binary ?? {})).toEqual(['data']);
			const data = item.binary!.data;
			expect(data.mimeType).toBe('image/png');
			// the file is named after the image URL's last path segment (<jobSetId>_0.png)
			const [job] = env.sim.stats().jobs;
			expect(item.json.imageUrl).toBe(`${env.sim.url}/results/${job.jobSetId}_0.png`);
			expect(data.fileName).toBe(`${job.jobSetId}_0.png`);
			expect(data.fileExtension).toBe('png');
			if (binaryMode === 'filesystem') expect(data.id).toMatch(/^filesystem/);
			else expect(data.id).toBeUndefined();

			// Every image request so far came from the node; none of them carried the key.
			const downloads = requestsTo(env, 'results');
			expect(downloads).toHaveLength(1);
			expect(downloads[0].path).toBe(`/results/${job.jobSetId}_0.png`);
			expect(downloads[0].headers).not.toHaveProperty('ocp-apim-subscription-key');

			const data0 = await bytes('data');
			expect(data0.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
			expect(data0.equals(await fetchBytes(item.json.imageUrl as string))).toBe(true);
		});

		it('puts two result images into "data" and "data_1", each with its own bytes', async () => {
			const { item, bytes } = await downloaded('Two lions [sim:results=2]');
			expect(item.json.imageUrls).toHaveLength(2);
			expect(Object.keys(item.binary ?? {}).sort()).toEqual(['data', 'data_1']);
			const [first, second] = [await bytes('data'), await bytes('data_1')];
			expect(first.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
			expect(second.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
			expect(first.equals(second)).toBe(false);
			const urls = item.json.imageUrls as string[];
			expect(first.equals(await fetchBytes(urls[0]))).toBe(true);
			expect(second.equals(await fetchBytes(urls[1]))).toBe(true);
		});

		it('uses the custom binary field name for the first image and appends _1 for the next', async () => {
			const { item, bytes } = await downloaded('Two lions [sim:results=2]', {
				binaryPropertyName: 'image',
			});
			expect(Object.keys(item.binary ?? {}).sort()).toEqual(['image', 'image_1']);
			const urls = item.json.imageUrls as string[];
			expect((await bytes('image')).equals(await fetchBytes(urls[0]))).toBe(true);
			expect((await bytes('image_1')).equals(await fetchBytes(urls[1]))).toBe(true);
		});

		it("downloads a synchronous answer's image too", async () => {
			const { item, bytes } = await downloaded('A lion [sim:sync]');
			expect(item.json.jobSetId).toBeNull();
			expect((await bytes('data')).equals(await fetchBytes(item.json.imageUrl as string))).toBe(
				true,
			);
		});
	},
);

describe('image downloads and the key', () => {
	const env = useEnv();

	it('downloads result images without the Ocp-Apim-Subscription-Key header', async () => {
		const { items } = await runInpaint(
			env,
			submitParams(env, { prompt: 'Three lions [sim:results=3]', options: download }),
		);
		expect(Object.keys(items[0].binary ?? {})).toHaveLength(3);
		const downloads = requestsTo(env, 'results');
		expect(downloads).toHaveLength(3);
		for (const request of downloads) {
			expect(request.method).toBe('GET');
			expect(request.headers).not.toHaveProperty('ocp-apim-subscription-key');
			expect(JSON.stringify(request.headers)).not.toContain(env.sim.key);
		}
		// The API calls themselves did carry it.
		const apiCalls = apiRequests(env);
		expect(apiCalls.length).toBeGreaterThanOrEqual(2);
		for (const request of apiCalls)
			expect(request.headers['ocp-apim-subscription-key']).toBe(env.sim.key);
	});

	it.each([
		['when Download Images is off', { options: { ...fast, downloadImages: false } }, 'succeeded'],
		['by default (Download Images defaults to off)', { options: fast }, 'succeeded'],
		[
			'for a job that was only submitted (no wait)',
			{ waitForCompletion: false, options: download },
			'pending',
		],
	])('outputs no binary data and downloads nothing %s', async (_label, params, status) => {
		const { items } = await runInpaint(env, submitParams(env, params));
		expect(items[0].json.status).toBe(status);
		expect(items[0].binary).toBeUndefined();
		expect(env.sim.stats().requests.results).toBe(0);
	});
});

describe('a result URL with a malformed % escape in its file name', () => {
	const env = useEnv({ jobMs: 200 });
	const bad = (env: Env) => `${env.sim.url}/results/bad%E0%A4%A.png`;

	/** The job "succeeds" with one image at the malformed URL. */
	function succeedWithBadUrl(env: Env) {
		faultOnArrival(env, 'poll', () => {
			const [job] = env.sim.stats().jobs;
			const results = [{ imageUrl: bad(env) }];
			return answeredWith('poll', { job_set_id: job.jobSetId, status: 'succeeded', results });
		});
	}

	it('gives a clear download error naming the image, not "Unexpected failure"', async () => {
		succeedWithBadUrl(env);
		const { run, items } = await runInpaint(
			env,
			submitParams(env, { options: { ...download, maxRetries: 0 } }),
			{ continueOnFail: true },
		);
		expect(run.status).toBe('success');
		// The simulator has no such image: the download is asked for and answered 404.
		expect(requestsTo(env, 'results').map((r: any) => [r.path, r.status])).toEqual([
			['/results/bad%E0%A4%A.png', 404],
		]);
		expect(items[0].json.error).toBe('Could not download result image 1 (HTTP 404)');
		expect(items[0].json.description).toContain(bad(env));
		expect(`${items[0].json.error} ${items[0].json.description}`).not.toMatch(
			/Unexpected failure|URIError|bug/,
		);
	});

	it('is downloaded when it leads to an image, under a file name made from the job', async () => {
		succeedWithBadUrl(env);
		// The image host sends the malformed URL on to the job's real image.
		faultOnArrival(env, 'results', (_n, entry) => {
			if (!entry.path.startsWith('/results/bad')) return undefined;
			const [job] = env.sim.stats().jobs;
			return redirectedTo('results', 302, `/results/${job.jobSetId}_0.png`);
		});
		const { run, items, error } = await runInpaint(env, submitParams(env, { options: download }));
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		expect(items[0].binary?.data?.fileName).toBe(`${job.jobSetId}-1.png`);
		expect(items[0].binary?.data?.mimeType).toBe('image/png');
	});
});
