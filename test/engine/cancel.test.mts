// Cancelling an execution (the stop button) ends the node promptly: waits are interrupted, and no
// request reaches the API after the cancel.
//
// Promptness is proved logically, never with a wall-clock limit: each cancel fires when the
// simulator's log shows the request the test waits for (not after a fixed time); the waits the node
// is then in (30 s poll interval, 30 s Retry-After, 60 s request timeout, 30 s download) are all
// longer than the time the harness lets a cancelled engine wind down (5 s), so `engineSettled` can
// only be true if the node interrupted them; and the simulator's request log holds exactly the
// requests it held when the cancel fired.
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { perItemParams, promptItems, runInpaint, slowPoll, submitParams, useEnv } from './env.mts';
import { rateLimited } from './faults.mts';
import { expectClosedByNode, requestsTo } from './checks.mts';

/**
 * How long the harness lets a cancelled engine wind down before giving up on it: far shorter
 * than every wait below (≥ 30 s), so a settled engine proves the wait was interrupted.
 */
const SETTLE_MS = 5000;

type LogEntry = { endpoint: string; status: number | null; fault: string | null; time: number };

/**
 * Runs Manual Trigger → Inpaint and cancels it, as n8n's stop button does, as soon as the
 * simulator's log satisfies `when`; records how many requests the simulator had seen then.
 */
async function runAndCancel(
	env: Env,
	parameters: Record<string, unknown>,
	when: (log: LogEntry[]) => boolean,
	items?: Array<{ json: Record<string, unknown> }>,
) {
	let seenAtCancel = -1;
	const { run } = await runInpaint(env, parameters, {
		items,
		cancelWhen: () => {
			const log = env.sim.requests() as LogEntry[];
			if (!when(log)) return false;
			seenAtCancel = log.length;
			return true;
		},
		settleTimeoutMs: SETTLE_MS,
	});
	// Give anything the node might still send (it should send nothing) time to arrive.
	await new Promise((resolve) => setTimeout(resolve, 300));
	expect(run.cancelledAt, 'the cancel condition was never met').toBeDefined();
	return { run, seenAtCancel };
}

/** What reached the simulator after the cancel fired (it should be nothing). */
function requestsAfterCancel(env: Env, seenAtCancel: number) {
	return env.sim
		.requests()
		.slice(seenAtCancel)
		.map((r: any) => `${r.endpoint} ${r.path}`);
}

const SLOW = 'Change to a lion [sim:ms=60000]';

describe('cancellation is prompt: waiting stops and no further request is sent', () => {
	const env = useEnv();

	it('cancelling while the node waits between status checks ends the run at once, with no request after the cancel', async () => {
		// Cancelled once the submit was answered: the node is then waiting 30 s for the first check.
		const { run, seenAtCancel } = await runAndCancel(
			env,
			submitParams(env, { prompt: SLOW, options: { pollInterval: 30, timeout: 300 } }),
			(log) => log.some((r) => r.endpoint === 'submit' && r.status === 200),
		);
		expect(run.status).toBe('canceled');
		expect(run.engineSettled).toBe(true); // the 30 s wait was interrupted
		expect(requestsTo(env, 'submit')).toHaveLength(1);
		expect(requestsTo(env, 'poll')).toHaveLength(0);
		expect(requestsAfterCancel(env, seenAtCancel)).toEqual([]);
	});

	it('cancelling during a Retry-After pause ends the run at once, with no request after the cancel', async () => {
		env.sim.enqueueFaults(rateLimited('poll', 30));
		const { run, seenAtCancel } = await runAndCancel(
			env,
			submitParams(env, {
				prompt: SLOW,
				options: { pollInterval: 0.1, maxRetryAfter: 60, timeout: 300 },
			}),
			(log) => log.some((r) => r.endpoint === 'poll' && r.status === 429),
		);
		expect(requestsTo(env, 'poll').map((r: any) => r.status)).toEqual([429]);
		expect(run.status).toBe('canceled');
		expect(run.engineSettled).toBe(true);
		expect(requestsAfterCancel(env, seenAtCancel)).toEqual([]);
	});

	it('cancelling while a status check hangs aborts that request instead of waiting for its timeout', async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'hang' });
		const { run, seenAtCancel } = await runAndCancel(
			env,
			submitParams(env, {
				prompt: SLOW,
				options: { pollInterval: 0.1, requestTimeout: 60, timeout: 300 },
			}),
			(log) => log.some((r) => r.endpoint === 'poll'),
		);
		expect(requestsTo(env, 'poll').map((r: any) => r.fault)).toEqual(['hang']);
		expect(run.status).toBe('canceled');
		expect(run.engineSettled).toBe(true);
		await expectClosedByNode(env, 'poll');
		expect(requestsAfterCancel(env, seenAtCancel)).toEqual([]);
	});

	it('cancelling while items queue for a request slot sends none of the queued requests', async () => {
		// The first submit gets no answer: with Concurrency 1 the other nine queue behind it.
		env.sim.enqueueFaults({ endpoint: 'submit', type: 'hang' });
		const { run, seenAtCancel } = await runAndCancel(
			env,
			perItemParams(env, { concurrency: 1, requestTimeout: 60 }),
			(log) => log.some((r) => r.endpoint === 'submit'),
			promptItems(10),
		);
		expect(run.status).toBe('canceled');
		expect(run.engineSettled).toBe(true);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
		await expectClosedByNode(env, 'submit');
		expect(requestsAfterCancel(env, seenAtCancel)).toEqual([]);
	});

	it('cancelling while a result image downloads aborts the download instead of waiting for it', async () => {
		env.sim.configure({ resultDownloadDelayMs: 30_000 });
		const { run, seenAtCancel } = await runAndCancel(
			env,
			submitParams(env, {
				options: { pollInterval: 0.1, requestTimeout: 60, downloadImages: true },
			}),
			(log) => log.some((r) => r.endpoint === 'results'),
		);
		expect(requestsTo(env, 'results')).toHaveLength(1);
		expect(run.status).toBe('canceled');
		expect(run.engineSettled).toBe(true); // the 30 s download was abandoned
		await expectClosedByNode(env, 'results');
		expect(requestsAfterCancel(env, seenAtCancel)).toEqual([]);
	});

	it('cancelling while items wait for a pace slot ends the run at once: nothing is sent after the cancel', async () => {
		env.sim.configure({ jobMs: 1000, rateLimit: { type: 'tokenBucket', ratePerSec: 2, burst: 2 } });
		const { run, seenAtCancel } = await runAndCancel(
			env,
			perItemParams(env, slowPoll),
			// Once the pace has been found (some 429s seen), most items are waiting for a slot.
			(log) => log.some((r) => r.status === 429) && log.length >= 12,
			promptItems(40),
		);
		expect(run.status).not.toBe('success');
		// At most the requests already on their way when the cancel came (Concurrency 10).
		expect(requestsAfterCancel(env, seenAtCancel).length).toBeLessThanOrEqual(10);
		expect(requestsTo(env, 'submit').length).toBeLessThan(40);
	});
});
