// Every wait is bounded (issue #11, point 3): a request waiting for a free slot gives up at its
// job's deadline, a download whose body stops arriving fails after the Request Timeout, and the
// other downloads of an item that failed are aborted. Proved by what the simulator saw (which
// requests arrived, which connections the node closed), never by how long the run took.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { describe, expect, it, vi } from 'vitest';

import type { Env } from './env.mts';
import { requestsTo, runInpaint, submitParams, useEnv } from './env.mts';

/** Long jobs, one prompt per item, each item's Job Timeout from its `timeout` field. */
function perItem(env: Env, options: Record<string, unknown>) {
	return submitParams(env, {
		prompt: '={{ $json.prompt }}',
		options: { pollInterval: 0.1, retryDelay: 0.1, timeout: '={{ $json.timeout }}', ...options },
	});
}

function longJobs(timeouts: number[]) {
	return timeouts.map((timeout, n) => ({
		json: { prompt: `Change to lion number ${n} [sim:ms=60000]`, timeout },
	}));
}

function jobOfItem(env: Env, n: number): any {
	return env.sim.stats().jobs.find((j: any) => j.prompt.startsWith(`Change to lion number ${n} `));
}

/** The simulator saw the node close this request's connection (waited for with a generous cap: only a failure takes that long). */
async function expectClosedByNode(entry: () => any) {
	await vi.waitFor(() => expect(entry().doneAt).not.toBeNull(), { timeout: 10_000, interval: 20 });
	expect(entry().status).toBeNull(); // never answered: the node gave up on it
}

describe('a request waiting for a free slot gives up at its deadline', () => {
	const env = useEnv({ jobMs: 300 });

	it('status checks queued behind a hung one (Concurrency 1) end at their own Job Timeout and are never sent', async () => {
		// Item 0 (Job Timeout 3 s) holds the only slot with a status check that gets no answer until
		// the node gives up on it near its own deadline. Items 1 and 2 (Job Timeout 1 s) wait for that
		// slot; their deadlines come about 2 s before it frees up.
		let firstPoll = true;
		env.sim.onRequest((entry: any) => {
			if (entry.endpoint !== 'poll' || !firstPoll) return;
			firstPoll = false;
			env.sim.enqueueFaults({ endpoint: 'poll', type: 'hang' });
		});
		const { run, items } = await runInpaint(
			env,
			perItem(env, { concurrency: 1, requestTimeout: 60 }),
			{
				items: longJobs([3, 1, 1]),
				continueOnFail: true,
			},
		);
		expect(run.status).toBe('success');
		expect(items).toHaveLength(3);
		const jobs = [0, 1, 2].map((n) => jobOfItem(env, n));
		expect(jobs.every((j) => /^jobset_/.test(j.jobSetId))).toBe(true);

		// The only status check that ever reached the API is item 0's hung one, closed by the node.
		const polls = requestsTo(env, 'poll');
		expect(polls.map((r: any) => [r.body.job_set_id, r.fault])).toEqual([
			[jobs[0].jobSetId, 'hang'],
		]);
		await expectClosedByNode(() => requestsTo(env, 'poll')[0]);

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
		const { run, items } = await runInpaint(
			env,
			perItem(env, { concurrency: 1, requestTimeout: 60 }),
			{
				items: longJobs([3, 1, 1]),
				continueOnFail: true,
			},
		);
		expect(run.status).toBe('success');
		// One submit reached the API: item 0's, hung, and closed by the node at its timeout.
		const submits = requestsTo(env, 'submit');
		expect(submits.map((r: any) => [r.body.prompt, r.fault])).toEqual([
			[longJobs([3])[0].json.prompt, 'hang'],
		]);
		await expectClosedByNode(() => requestsTo(env, 'submit')[0]);
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
		const { run, items } = await runInpaint(env, perItem(env, { concurrency: 1, timeout: 1 }), {
			items: longJobs([1, 1, 1]),
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		expect(items).toHaveLength(3);
		const jobs = [0, 1, 2].map((n) => jobOfItem(env, n));
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
		const polls = requestsTo(env, 'poll') as any[];
		const perJob = new Map<string, number>();
		for (const r of polls) perJob.set(r.body.job_set_id, (perJob.get(r.body.job_set_id) ?? 0) + 1);
		for (const count of perJob.values()) expect(count).toBe(1);
		expect(polls.length).toBeLessThan(3);
	});
});

describe('a download body that stops arriving fails after the Request Timeout', () => {
	const env = useEnv({ jobMs: 200 });
	const options = {
		pollInterval: 0.1,
		retryDelay: 0.1,
		downloadImages: true,
		requestTimeout: 1,
		maxRetries: 0,
	};

	it('a body that stalls after the headers fails the item after the Request Timeout, and the node closed that connection', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'stall', bytes: 1024 });
		const { run, items } = await runInpaint(env, submitParams(env, { options }), {
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		const [job] = env.sim.stats().jobs;
		expect(items[0].json.error).toMatch(/^Could not download result image 1 \(/);
		expect(items[0].json.jobSetId).toBe(job.jobSetId);
		expect(items[0].json.description).toContain(`${env.sim.url}/results/${job.jobSetId}_0.png`);
		expect(items[0].binary).toBeUndefined();
		expect(requestsTo(env, 'results').map((r: any) => r.fault)).toEqual(['stall']);
		await expectClosedByNode(() => requestsTo(env, 'results')[0]);
		// Not before the Request Timeout had passed without data (the headers came at once).
		const stalled = requestsTo(env, 'results')[0] as any;
		expect(stalled.doneAt - stalled.time).toBeGreaterThanOrEqual(1000);
	});

	// The stall is ended by the request's timeout (the socket's idle timeout), which n8n reports as a
	// reset connection: the node tells it apart by when it came, and says how long no data came.
	it('a stalled body\'s error says "no data for 1 s"', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'stall', bytes: 1024 });
		const { items } = await runInpaint(env, submitParams(env, { options }), {
			continueOnFail: true,
		});
		expect(items[0].json.error).toBe('Could not download result image 1 (no data for 1 s)');
	});

	it('a stalled download is tried again (Max Retries 1) and the image arrives', async () => {
		env.sim.enqueueFaults({ endpoint: 'results', type: 'stall', bytes: 1024 });
		const { run, items, error } = await runInpaint(
			env,
			submitParams(env, { options: { ...options, maxRetries: 1 } }),
		);
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(requestsTo(env, 'results').map((r: any) => [r.fault, r.status])).toEqual([
			['stall', null],
			[null, 200],
		]);
		const bytes = await run.readBinary(items[0], 'data');
		const served = Buffer.from(await (await fetch(items[0].json.imageUrl as string)).arrayBuffer());
		expect(bytes.equals(served)).toBe(true);
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

describe('the Request Timeout of a download is an idle timeout, not a limit on the whole download', () => {
	const env = useEnv({ jobMs: 200 });

	it('an image that keeps arriving in small pieces for longer than the Request Timeout is downloaded whole', async () => {
		const png = Buffer.from(await (await fetch(env.sim.sampleImageUrl)).arrayBuffer());
		// About 25 pieces 100 ms apart: 2.5 s in all, more than twice the 1 s Request Timeout.
		const host = await startTrickleHost(png, Math.ceil(png.length / 25), 100);
		try {
			env.sim.enqueueFaults({
				endpoint: 'results',
				type: 'redirect',
				status: 302,
				location: `${host.url}/slow.png`,
			});
			const options = {
				pollInterval: 0.1,
				retryDelay: 0.1,
				downloadImages: true,
				requestTimeout: 1,
				maxRetries: 0,
			};
			const { run, items, error } = await runInpaint(env, submitParams(env, { options }));
			expect(error?.message).toBeUndefined();
			expect(run.status).toBe('success');
			const bytes = await run.readBinary(items[0], 'data');
			expect(bytes.equals(png)).toBe(true);
		} finally {
			await host.close();
		}
	});
});

describe('when one image of an item fails for good, its other downloads are aborted', () => {
	const env = useEnv({ jobMs: 200 });
	// A Request Timeout far longer than the wait below: only the sibling's failure can end the other download.
	const options = {
		pollInterval: 0.1,
		retryDelay: 0.1,
		downloadImages: true,
		requestTimeout: 60,
		maxRetries: 2,
	};

	it.each([
		['stalls after its headers', { type: 'stall', bytes: 1024 }],
		['is held before its headers', { type: 'delay', ms: 30_000 }],
	])(
		"the other image's download, which %s, is closed, and the item's error is the failed image's",
		async (_label, slow) => {
			// Whichever download arrives first is the slow one; the second is answered 404 (not retried).
			let seen = 0;
			env.sim.onRequest((entry: any) => {
				if (entry.endpoint !== 'results') return;
				seen++;
				env.sim.enqueueFaults(
					seen === 1
						? ({ endpoint: 'results', ...slow } as any)
						: { endpoint: 'results', type: 'status', status: 404 },
				);
			});
			const { run, items } = await runInpaint(
				env,
				submitParams(env, { prompt: 'Change to a lion [sim:results=2]', options }),
				{
					continueOnFail: true,
				},
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
			await expectClosedByNode(() => requestsTo(env, 'results')[0]);
			// Aborted, not retried: no third download.
			expect(requestsTo(env, 'results')).toHaveLength(2);
		},
	);
});
