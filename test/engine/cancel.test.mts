// Reliability, part 4: cancelling an execution (the stop button) ends the node promptly: waits are
// interrupted, and no request reaches the API after the cancel.
//
// Promptness is proved logically, never with a wall-clock limit: the waits used here (30 s poll
// interval, 30 s Retry-After, 60 s request timeout, 30 s download) are all longer than the time
// the harness is given to let a cancelled engine wind down (5 s), so `engineSettled` can only be true if
// the node interrupted them; and the simulator's request log shows nothing after the cancel.
import { describe, expect, it } from 'vitest';

import { runWorkflow } from '../harness/engine.mjs';
import type { Env } from './env.mts';
import { inpaintWorkflow, NODE_NAME, requestsTo, submitParams, useEnv } from './env.mts';

/**
 * How long the harness lets a cancelled engine wind down before giving up on it: far shorter
 * than every wait below (≥ 30 s), so a settled engine proves the wait was interrupted.
 */
const SETTLE_MS = 5000;

/** A request the node had put on the wire just before the cancel may land just after it. */
const IN_FLIGHT_MS = 50;

/**
 * Runs Manual Trigger → Inpaint and cancels it after `cancelAfterMs`, as n8n's stop button does
 * (the harness's `signal`), recording exactly when the cancel happened.
 */
async function runAndCancel(
	env: Env,
	parameters: Record<string, unknown>,
	cancelAfterMs: number,
	items?: Array<{ json: Record<string, unknown> }>,
) {
	const controller = new AbortController();
	let cancelledAt = Number.POSITIVE_INFINITY;
	const timer = setTimeout(() => {
		cancelledAt = Date.now();
		controller.abort();
	}, cancelAfterMs);
	try {
		const run = await runWorkflow({
			pkg: env.pkg,
			workflow: inpaintWorkflow(parameters),
			credentials: { pixazoApi: { ...env.credentials } },
			input: items,
			signal: controller.signal,
			settleTimeoutMs: SETTLE_MS,
		});
		// Give anything the node might still send (it should send nothing) time to arrive.
		await new Promise((resolve) => setTimeout(resolve, 300));
		return { run, cancelledAt, items: run.output(NODE_NAME) };
	} finally {
		clearTimeout(timer);
	}
}

function requestsAfter(env: Env, time: number) {
	return env.sim
		.requests()
		.filter((r: any) => r.time > time + IN_FLIGHT_MS)
		.map((r: any) => `${r.endpoint} at +${r.time - time} ms`);
}

const SLOW = 'Change to a lion [sim:ms=60000]';

describe('cancellation is prompt: waiting stops and no further request is sent', () => {
	const env = useEnv();

	it('cancelling while the node waits between status checks ends the run at once, with no request after the cancel', async () => {
		const { run, cancelledAt } = await runAndCancel(
			env,
			submitParams(env, { prompt: SLOW, options: { pollInterval: 30, timeout: 300 } }),
			500,
		);
		expect(run.status).toBe('canceled');
		expect(run.engineSettled).toBe(true); // the 30 s wait was interrupted
		expect(requestsTo(env, 'submit')).toHaveLength(1);
		expect(requestsTo(env, 'poll')).toHaveLength(0);
		expect(requestsAfter(env, cancelledAt)).toEqual([]);
	});

	it('cancelling during a Retry-After pause ends the run at once, with no request after the cancel', async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'status', status: 429, headers: { 'Retry-After': '30' } });
		const { run, cancelledAt } = await runAndCancel(
			env,
			submitParams(env, { prompt: SLOW, options: { pollInterval: 0.1, maxRetryAfter: 60, timeout: 300 } }),
			800,
		);
		expect(requestsTo(env, 'poll').map((r: any) => r.status)).toEqual([429]);
		expect(run.status).toBe('canceled');
		expect(run.engineSettled).toBe(true);
		expect(requestsAfter(env, cancelledAt)).toEqual([]);
	});

	it('cancelling while a status check hangs aborts that request instead of waiting for its timeout', async () => {
		env.sim.enqueueFaults({ endpoint: 'poll', type: 'hang' });
		const { run, cancelledAt } = await runAndCancel(
			env,
			submitParams(env, { prompt: SLOW, options: { pollInterval: 0.1, requestTimeout: 60, timeout: 300 } }),
			800,
		);
		expect(requestsTo(env, 'poll').map((r: any) => r.fault)).toEqual(['hang']);
		expect(run.status).toBe('canceled');
		expect(run.engineSettled).toBe(true);
		expect(requestsAfter(env, cancelledAt)).toEqual([]);
	});

	it('cancelling while items queue for a request slot sends none of the queued requests', async () => {
		env.sim.configure({ submitDelayMs: 300 });
		const items = Array.from({ length: 10 }, (_, n) => ({ json: { prompt: `Change to lion ${n}` } }));
		const { run, cancelledAt } = await runAndCancel(
			env,
			submitParams(env, { prompt: '={{ $json.prompt }}', options: { pollInterval: 0.1, concurrency: 1 } }),
			700,
			items,
		);
		expect(run.status).toBe('canceled');
		expect(run.engineSettled).toBe(true);
		const submits = requestsTo(env, 'submit');
		expect(submits.length).toBeGreaterThanOrEqual(1);
		expect(submits.length).toBeLessThan(10);
		expect(requestsAfter(env, cancelledAt)).toEqual([]);
	});

	it('cancelling while a result image downloads aborts the download instead of waiting for it', async () => {
		env.sim.configure({ resultDownloadDelayMs: 30_000 });
		const { run, cancelledAt } = await runAndCancel(
			env,
			submitParams(env, { options: { pollInterval: 0.1, requestTimeout: 60, downloadImages: true } }),
			1000,
		);
		expect(env.sim.requests().some((r: any) => r.endpoint === 'results' && r.time < cancelledAt)).toBe(true);
		expect(run.status).toBe('canceled');
		expect(run.engineSettled).toBe(true); // the 30 s download was abandoned
		expect(requestsAfter(env, cancelledAt)).toEqual([]);
	});
});
