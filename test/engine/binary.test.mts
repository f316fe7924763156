import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { fast, runInpaint, submitParams, useEnv } from './env.mts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function download(url: string): Promise<Buffer> {
	const response = await fetch(url);
	expect(response.status).toBe(200);
	return Buffer.from(await response.arrayBuffer());
}

function imageDownloads(env: Env) {
	return env.sim.requests().filter((r: any) => String(r.path).startsWith('/results/'));
}

describe.each(['default', 'filesystem'] as const)(
	'Download Images (binary mode %s)',
	(binaryMode) => {
		const env = useEnv();

		it('puts the one result image into binary "data" as a PNG with the exact bytes of the image URL', async () => {
			const { run, items, error } = await runInpaint(
				env,
				submitParams(env, { options: { ...fast, downloadImages: true } }),
				{ binaryMode },
			);
			expect(error).toBeUndefined();
			expect(items).toHaveLength(1);
			const item = items[0];
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
			const downloads = imageDownloads(env);
			expect(downloads).toHaveLength(1);
			expect(downloads[0].path).toBe(`/results/${job.jobSetId}_0.png`);
			expect(downloads[0].headers).not.toHaveProperty('ocp-apim-subscription-key');

			const bytes = await run.readBinary(item, 'data');
			expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
			const direct = await download(item.json.imageUrl as string);
			expect(bytes.equals(direct)).toBe(true);
		});

		it('puts two result images into "data" and "data_1", each with its own bytes', async () => {
			const { run, items } = await runInpaint(
				env,
				submitParams(env, {
					prompt: 'Two lions [sim:results=2]',
					options: { ...fast, downloadImages: true },
				}),
				{ binaryMode },
			);
			const item = items[0];
			expect(item.json.imageUrls).toHaveLength(2);
			expect(Object.keys(item.binary ?? {}).sort()).toEqual(['data', 'data_1']);
			const first = await run.readBinary(item, 'data');
			const second = await run.readBinary(item, 'data_1');
			expect(first.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
			expect(second.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
			expect(first.equals(second)).toBe(false);
			const urls = item.json.imageUrls as string[];
			expect(first.equals(await download(urls[0]))).toBe(true);
			expect(second.equals(await download(urls[1]))).toBe(true);
		});

		it('uses the custom binary field name for the first image and appends _1 for the next', async () => {
			const { run, items } = await runInpaint(
				env,
				submitParams(env, {
					prompt: 'Two lions [sim:results=2]',
					options: { ...fast, downloadImages: true, binaryPropertyName: 'image' },
				}),
				{ binaryMode },
			);
			const item = items[0];
			expect(Object.keys(item.binary ?? {}).sort()).toEqual(['image', 'image_1']);
			const urls = item.json.imageUrls as string[];
			expect((await run.readBinary(item, 'image')).equals(await download(urls[0]))).toBe(true);
			expect((await run.readBinary(item, 'image_1')).equals(await download(urls[1]))).toBe(true);
		});

		it("downloads a synchronous answer's image too", async () => {
			const { run, items } = await runInpaint(
				env,
				submitParams(env, {
					prompt: 'A lion [sim:sync]',
					options: { ...fast, downloadImages: true },
				}),
				{ binaryMode },
			);
			const item = items[0];
			expect(item.json.jobSetId).toBeNull();
			const bytes = await run.readBinary(item, 'data');
			expect(bytes.equals(await download(item.json.imageUrl as string))).toBe(true);
		});
	},
);

describe('image downloads and the key', () => {
	const env = useEnv();

	it('downloads result images without the Ocp-Apim-Subscription-Key header', async () => {
		const { items } = await runInpaint(
			env,
			submitParams(env, {
				prompt: 'Three lions [sim:results=3]',
				options: { ...fast, downloadImages: true },
			}),
		);
		expect(Object.keys(items[0].binary ?? {})).toHaveLength(3);
		const downloads = imageDownloads(env);
		expect(downloads).toHaveLength(3);
		for (const request of downloads) {
			expect(request.method).toBe('GET');
			expect(request.headers).not.toHaveProperty('ocp-apim-subscription-key');
			expect(JSON.stringify(request.headers)).not.toContain(env.sim.key);
		}
		// The API calls themselves did carry it.
		const apiCalls = env.sim
			.requests()
			.filter((r: any) => r.endpoint === 'submit' || r.endpoint === 'poll');
		expect(apiCalls.length).toBeGreaterThanOrEqual(2);
		for (const request of apiCalls)
			expect(request.headers['ocp-apim-subscription-key']).toBe(env.sim.key);
	});

	it('outputs no binary data and downloads nothing when Download Images is off', async () => {
		const { items } = await runInpaint(
			env,
			submitParams(env, { options: { ...fast, downloadImages: false } }),
		);
		expect(items[0].json.status).toBe('succeeded');
		expect(items[0].binary).toBeUndefined();
		expect(env.sim.stats().requests.results).toBe(0);
	});

	it('outputs no binary data by default (Download Images defaults to off)', async () => {
		const { items } = await runInpaint(env, submitParams(env, { options: fast }));
		expect(items[0].json.status).toBe('succeeded');
		expect(items[0].binary).toBeUndefined();
		expect(env.sim.stats().requests.results).toBe(0);
	});

	it('does not download anything for a job that was only submitted (no wait)', async () => {
		const { items } = await runInpaint(
			env,
			submitParams(env, { waitForCompletion: false, options: { ...fast, downloadImages: true } }),
		);
		expect(items[0].json.status).toBe('pending');
		expect(items[0].binary).toBeUndefined();
		expect(env.sim.stats().requests.results).toBe(0);
	});
});
