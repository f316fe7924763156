// When a result download fails. Downloads are reads, so the README promises they are retried on
// 429, 5xx and network errors; one that keeps failing says which image, why, and how often it was
// tried. The Request Timeout of a download is an idle timeout: a body that stops arriving fails,
// one that keeps arriving slowly does not. When one image of an item fails for good, its other
// downloads are aborted. The simulator faults GET /results/… (endpoint 'results').
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { describe, expect, it } from 'vitest';

import { fast, fastRetries, runInpaint, submitParams, useEnv } from './env.mts';
import type { Fault } from './faults.mts';
import { faultOnArrival, redirectedTo } from './faults.mts';
import { expectClosedByNode, fetchBytes, requestsTo } from './checks.mts';

const quick = { ...fastRetries(2), downloadImages: true };

describe('result downloads are retried on 429, 5xx and network errors', () => {
	const env = useEnv({ jobMs: 200 });

	const transient: Array<[string, Record<string, unknown>, number | null]> = [
		['a 429', { type: 'status', status: 429 }, 429],
		['a 500', { type: 'status', status: 500 }, 500],
		['a 502 gateway page', { type: 'html' }, 502],
		['a 503', { type: 'status', status: 503 }, 503],
		['a 504', { type: 'status', status: 504 }, 504],
		['a dropped connection', { type: 'drop' }, null],
	];

	it.each(transient)(
		'a download answered %s is tried again and the image arrives',
		async (_label, fault, status) => {
			env.sim.enqueueFaults({ endpoint: 'results', ...fault, times: 2 } as any);
			const { run, items, error } = await runInpaint(env, submitParams(env, { options: quick }));
			expect(error).toBeUndefined();
			expect(run.status).toBe('success');
			expect(requestsTo(env, 'results').map((r: any) => r.status)).toEqual([status, status, 200]);
			const bytes = await run.readBinary(items[0], 'data');
			expect(bytes.equals(await fetchBytes(items[0].json.imageUrl as string))).toBe(true);
			// a download is a read: the job was neither submitted nor checked again for it
			expect(requestsTo(env, 'submit')).toHaveLength(1);
			expect(env.sim.stats().jobsCreated).toBe(1);
		},
	);

	/** A run whose downloads meet `fault`, under Continue On Fail: the item and the downloads tried. */
	async function failingDownload(fault: Record<string, unknown>, options: object = quick) {
		env.sim.enqueueFaults({ endpoint: 'results', ...fault } as any);
		const { run, items } = await runInpaint(env, submitParams(env, { options }), {
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		expect(items).toHaveLength(1);
		return { item: items[0], downloads: requestsTo(env, 'results') };
	}

	it('a download that keeps failing with a status ends in an error naming the image, the status, the tries and the URL', async () => {
		const { item, downloads } = await failingDownload({ type: 'status', status: 503, times: 10 });
		const [job] = env.sim.stats().jobs;
		expect(downloads.map((r: any) => r.status)).toEqual([503, 503, 503]); // the first try and 2 retries
		expect(item.json.error).toBe('Could not download result image 1 (HTTP 503)');
		expect(item.json.description).toContain(`${env.sim.url}${downloads[0].path}`);
		expect(item.json.description).toContain('after 3 tries');
		expect(item.json.description).toMatch(/turn off Options > Download Images/);
		expect(item.json.jobSetId).toBe(job.jobSetId);
		expect(item.binary).toBeUndefined();
	});

	it('an image host that is down for longer than every try gets Max Retries + 1 tries, then the error', async () => {
		const { item, downloads } = await failingDownload(
			{ type: 'outage', ms: 60_000 },
			{ ...quick, maxRetries: 1 },
		);
		expect(downloads.map((r: any) => [r.status, r.fault])).toEqual([
			[503, 'outage'],
			[503, 'outage'],
		]);
		expect(item.json.error).toBe('Could not download result image 1 (HTTP 503)');
		expect(item.json.description).toContain('after 2 tries');
	});

	it('a download that keeps losing its connection ends in an error saying it was a network error', async () => {
		const { item, downloads } = await failingDownload({ type: 'drop', times: 10 });
		expect(downloads).toHaveLength(3);
		expect(item.json.error).toBe('Could not download result image 1 (network error)');
		expect(item.json.description).toContain('after 3 tries');
		expect(item.json.description).toMatch(/Network error code: \w+/);
	});

	it('a 404 on a download is not retried: the link is gone, asking again will not bring it back', async () => {
		const { item, downloads } = await failingDownload({ type: 'status', status: 404, times: 10 });
		expect(downloads.map((r: any) => r.status)).toEqual([404]);
		expect(item.json.error).toBe('Could not download result image 1 (HTTP 404)');
	});

	it('without Continue On Fail a failed download stops the node with that error', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'status', status: 500, times: 10 });
		const { run, error } = await runInpaint(
			env,
			submitParams(env, { options: { ...quick, maxRetries: 0 } }),
		);
		expect(run.status).toBe('error');
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.message).toBe('Could not download result image 1 (HTTP 500)');
		expect(String(error.httpCode)).toBe('500');
		expect(requestsTo(env, 'results')).toHaveLength(1);
	});
});

/** Downloads with a 1 s Request Timeout and no retries unless a test says otherwise. */
const idle1s = { ...fast, downloadImages: true, requestTimeout: 1, maxRetries: 0 };

describe('the Request Timeout of a download is an idle timeout: a stalled body fails, a slow one arrives', () => {
	const env = useEnv({ jobMs: 200 });

	it('a body that stalls after the headers fails the item after the Request Timeout, and the node closed that connection', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'stall', bytes: 1024 });
		const { run, items } = await runInpaint(env, submitParams(env, { options: idle1s }), {
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		expect(items[0].json.error).toMatch(/^Could not download result image 1 \(/);
		expect(items[0].json.jobSetId).toBe(job.jobSetId);
		expect(items[0].json.description).toContain(`${env.sim.url}/results/${job.jobSetId}_0.png`);
		expect(items[0].binary).toBeUndefined();
		expect(requestsTo(env, 'results').map((r: any) => r.fault)).toEqual(['stall']);
		await expectClosedByNode(env, 'results');
		// Not before the Request Timeout had passed without data (the headers came at once).
		const stalled = requestsTo(env, 'results')[0] as any;
		expect(stalled.doneAt - stalled.time).toBeGreaterThanOrEqual(1000);
	});

	// The stall is ended by the request's timeout (the socket's idle timeout), which n8n reports as a
	// reset connection: the node tells it apart by when it came, and says how long no data came.
	it('a stalled body\'s error says "no data for 1 s"', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'stall', bytes: 1024 });
		const { items } = await runInpaint(env, submitParams(env, { options: idle1s }), {
			continueOnFail: true,
		});
		expect(items[0].json.error).toBe('Could not download result image 1 (no data for 1 s)');
	});

	it('a stalled download is tried again (Max Retries 1) and the image arrives', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'stall', bytes: 1024 });
		const { run, items, error } = await runInpaint(
			env,
			submitParams(env, { options: { ...idle1s, maxRetries: 1 } }),
		);
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(requestsTo(env, 'results').map((r: any) => [r.fault, r.status])).toEqual([
			['stall', null],
			[null, 200],
		]);
		const bytes = await run.readBinary(items[0], 'data');
		expect(bytes.equals(await fetchBytes(items[0].json.imageUrl as string))).toBe(true);
	});

	it('an image that keeps arriving in small pieces for longer than the Request Timeout is downloaded whole', async () => {
		const png = await fetchBytes(env.sim.sampleImageUrl);
		// About 25 pieces 100 ms apart: 2.5 s in all, more than twice the 1 s Request Timeout.
		const host = await startTrickleHost(png, Math.ceil(png.length / 25), 100);
		try {
			env.sim.enqueueFaults(redirectedTo('results', 302, `${host.url}/slow.png`));
			const { run, items, error } = await runInpaint(env, submitParams(env, { options: idle1s }));
			expect(error?.message).toBeUndefined();
			expect(run.status).toBe('success');
			expect((await run.readBinary(items[0], 'data')).equals(png)).toBe(true);
		} finally {
			await host.close();
		}
	});
});

/**
 * An image host that sends a PNG slowly but steadily: `chunk` bytes every `everyMs` ms, so no gap
 * is anywhere near the Request Timeout while the whole download takes several times it.
 */
async function startTrickleHost(png: Buffer, chunk: number, everyMs: number) {
	const sockets = new Set<Socket>();
	const server = createServer((_req, res) => {
		res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length });
		let sent = 0;
		const timer = setInterval(() => {
			res.write(png.subarray(sent, sent + chunk));
			sent += chunk;
			if (sent >= png.length) {
				clearInterval(timer);
				res.end();
			}
		}, everyMs);
		res.on('close', () => clearInterval(timer));
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				for (const socket of sockets) socket.destroy();
			}),
	};
}

describe('when one image of an item fails for good, its other downloads are aborted', () => {
	const env = useEnv({ jobMs: 200 });
	// A Request Timeout far longer than the wait below: only the sibling's failure can end the other download.
	const options = { ...fastRetries(2), downloadImages: true, requestTimeout: 60 };

	it.each([
		['stalls after its headers', { type: 'stall', bytes: 1024 }],
		['is held before its headers', { type: 'delay', ms: 30_000 }],
	])(
		"the other image's download, which %s, is closed, and the item's error is the failed image's",
		async (_label, slow) => {
			// Whichever download arrives first is the slow one; the second is answered 404 (not retried).
			faultOnArrival(env, 'results', (n) =>
				n === 1
					? ({ endpoint: 'results', ...slow } as Fault)
					: { endpoint: 'results', type: 'status', status: 404 },
			);
			const { run, items } = await runInpaint(
				env,
				submitParams(env, { prompt: 'Change to a lion [sim:results=2]', options }),
				{ continueOnFail: true },
			);
			expect(run.status).toBe('success');
			const [job] = env.sim.stats().jobs;
			const downloads = requestsTo(env, 'results');
			expect(downloads).toHaveLength(2);
			const [slowOne, missing] = downloads;
			expect(missing.status).toBe(404);
			// Result k of a job is /results/<jobSetId>_<k>.png.
			const missingIndex = [0, 1].find(
				(k) => missing.path === `/results/${job.jobSetId}_${k}.png`,
			)!;
			expect(missingIndex).toBeDefined();
			expect(items[0].json.error).toBe(
				`Could not download result image ${missingIndex + 1} (HTTP 404)`,
			);
			expect(items[0].json.jobSetId).toBe(job.jobSetId);
			expect(items[0].binary).toBeUndefined();
			expect(slowOne.fault).toBe(slow.type);
			await expectClosedByNode(env, 'results');
			// Aborted, not retried: no third download.
			expect(requestsTo(env, 'results')).toHaveLength(2);
		},
	);
});
