// A downloaded result must be an image, within Options > Max Image Size: an HTML page, bytes of
// no image format, a body past the bound or one that never ends fail the item, naming the job.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it, vi } from 'vitest';

import { n8nCoreVersion } from '../harness/engine.mjs';
import { ensureRuntime } from '../harness/runtime.mjs';
import type { Env } from './env.mts';
import { fast, runInpaint, submitParams, useEnv } from './env.mts';

const PNG = '89504e470d0a1a0a';
const download = (env: Env, options: Record<string, unknown> = {}) =>
	submitParams(env, { options: { ...fast, downloadImages: true, ...options } });
const MB = 1024 * 1024;

/** The node closed the download's connection (the simulator saw it end). */
async function expectDownloadClosed(env: Env) {
	await vi.waitFor(
		() => {
			const [request] = env.sim.requests().filter((r: any) => r.endpoint === 'results');
			expect(request?.doneAt).toEqual(expect.any(Number));
		},
		{ timeout: 10_000, interval: 10 },
	);
}

/** Every file in the harness's binary data folder (filesystem mode), recursively, with its size. */
async function storedFiles(): Promise<Map<string, number>> {
	const { storagePath } = await ensureRuntime();
	const entries = await readdir(storagePath, { recursive: true, withFileTypes: true });
	const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
	return new Map(await Promise.all(files.map(async (f) => [f, (await stat(f)).size] as const)));
}

/**
 * n8n 2.x removes a file whose stream failed at once; n8n 1.x leaves what was written in the
 * execution's own binary folder, removed with the execution when n8n prunes it.
 */
const REMOVES_FAILED_WRITES = !n8nCoreVersion.startsWith('1.');

describe('a result download is an image or an error', () => {
	const env = useEnv();

	it('an HTML page served as the result fails the item: "the result URL answered text/html, not an image"', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'html', status: 200 });
		const { items } = await runInpaint(env, download(env), { continueOnFail: true });
		const [job] = env.sim.stats().jobs;
		expect(items[0].json.error).toMatch(/The result URL answered text\/html, not an image/);
		expect(items[0].json.error).toContain(job.jobSetId);
		expect(items[0].binary).toBeUndefined();
	});

	it('bytes of no image format fail the item even when the header says image/png', async () => {
		env.sim.enqueueFaults({
			endpoint: 'results',
			type: 'body',
			contentType: 'image/png',
			size: 4096,
			prefix: '3c21444f43545950',
		});
		const { items } = await runInpaint(env, download(env), { continueOnFail: true });
		expect(items[0].json.error).toMatch(/answered image\/png, not an image/);
	});

	it('a JPEG behind a .png link and an image/png header is stored as what it is: image/jpeg, .jpg', async () => {
		env.sim.enqueueFaults({
			endpoint: 'results',
			type: 'body',
			contentType: 'image/png',
			size: 4096,
			prefix: 'ffd8ffe0',
		});
		const { run, items } = await runInpaint(env, download(env));
		expect(run.status).toBe('success');
		const file = items[0].binary?.data;
		expect(file.mimeType).toBe('image/jpeg');
		expect(file.fileName).toMatch(/\.jpg$/);
	});

	it('a body larger than Max Image Size is not downloaded: the item names the size and the option', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'body', size: 3 * MB, prefix: PNG });
		const { items } = await runInpaint(env, download(env, { maxImageSizeMb: 1 }), {
			continueOnFail: true,
		});
		expect(items[0].json.error).toMatch(/is 3 MB, over the 1 MB of Options > Max Image Size/);
		await expectDownloadClosed(env);
	});

	it.each(['default', 'filesystem'] as const)(
		'a body that never ends is cut off at Max Image Size and nothing of it is kept (%s binary mode)',
		async (binaryMode) => {
			const before = await storedFiles();
			env.sim.enqueueFaults({ endpoint: 'results', type: 'body', size: 'endless', prefix: PNG });
			const { run, items } = await runInpaint(env, download(env, { maxImageSizeMb: 2 }), {
				continueOnFail: true,
				binaryMode,
			});
			expect(items[0].json.error).toMatch(
				/more than 2 MB, over the 2 MB of Options > Max Image Size/,
			);
			const added = [...(await storedFiles())].filter(([file]) => !before.has(file));
			if (REMOVES_FAILED_WRITES) expect(added).toEqual([]);
			for (const [file, size] of added) {
				expect(file).toContain(`executions/${run.executionId}/`);
				expect(size).toBeLessThanOrEqual(2 * MB);
			}
			await expectDownloadClosed(env);
		},
	);
});
