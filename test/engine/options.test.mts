// Every number option is checked against the same range the editor shows, with a message naming
// the option and its range; nothing is sent when one is wrong; a bad option on any item is that
// item's error under Continue On Fail. Which item's Concurrency the run takes is in
// concurrency.test.mts.
import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { promptItems as items, runInpaint, submitParams, useEnv } from './env.mts';
import { rateLimited } from './faults.mts';
import { expectNothingSent, requestsTo } from './checks.mts';

/** Each number option's label and range, as the editor shows them (written out: a change shows here). */
const RANGES = [
	{
		key: 'pollInterval',
		label: 'Poll Interval',
		kind: 'seconds',
		min: 0.1,
		max: 3600,
		below: 0.05,
	},
	{ key: 'timeout', label: 'Job Timeout', kind: 'seconds', min: 0.1, max: 86400, below: 0 },
	{ key: 'retryDelay', label: 'Retry Delay', kind: 'seconds', min: 0.1, max: 3600, below: 0.09 },
	{
		key: 'maxRetryAfter',
		label: 'Max Pause on 429',
		kind: 'seconds',
		min: 0,
		max: 3600,
		below: -1,
	},
	// Above ~24.8 days a timer overflows to 1 ms: the maximum keeps far below it.
	{
		key: 'requestTimeout',
		label: 'Request Timeout',
		kind: 'seconds',
		min: 0.1,
		max: 3600,
		below: 0,
	},
	{ key: 'concurrency', label: 'Concurrency', kind: 'whole', min: 1, max: 100, below: 0 },
	{ key: 'maxRetries', label: 'Max Retries', kind: 'whole', min: 0, max: 20, below: -1 },
] as const;

const CASES = RANGES.flatMap((r) => {
	const message = `Option "${r.label}" must be ${r.kind === 'seconds' ? 'a number of seconds' : 'a whole number'} from ${r.min} to ${r.max}`;
	const values: Array<[string, unknown]> = [
		['below its minimum', r.below],
		['above its maximum', r.max + 1],
		['not a number', 'soon'],
	];
	if (r.kind === 'whole') values.push(['a fraction', 2.5]);
	if (r.key === 'requestTimeout') values.push(['beyond what a timer holds (25 days)', 2_160_000]);
	return values.map(([what, value]) => ({
		name: `${r.label} ${what} (${String(value)})`,
		key: r.key,
		value,
		message,
	}));
});

/** The items whose submit reached the API, by the number in their prompt. */
function submittedItems(env: Env): number[] {
	return requestsTo(env, 'submit')
		.map((r: any) => Number(/number (\d+)$/.exec(String(r.body.prompt))![1]))
		.sort();
}

describe('a number option out of its range stops the run before anything is sent', () => {
	const env = useEnv({ jobMs: 200 });

	it.each(CASES)('$name', async ({ key, value, message }) => {
		const {
			run,
			items: out,
			error,
		} = await runInpaint(env, submitParams(env, { options: { [key]: value } }));
		expect(run.status).toBe('error');
		expect(out).toHaveLength(0);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(message);
		expect(error.context?.itemIndex).toBe(0);
		expect(error.description).toContain(`It is set to "${String(value)}"`);
		expectNothingSent(env);
	});

	it('Get Results checks its options the same way', async () => {
		const { error } = await runInpaint(env, {
			operation: 'getResults',
			jobSetId: 'jobset_x',
			options: { pollInterval: 0 },
		});
		expect(error.message).toBe(
			'Option "Poll Interval" must be a number of seconds from 0.1 to 3600',
		);
		expectNothingSent(env);
	});

	it('each limit itself is accepted (Max Pause on 429 = 0, Max Retries = 0, Concurrency = 1 and 100, Request Timeout = 3600)', async () => {
		const limits = {
			maxRetryAfter: 0,
			maxRetries: 0,
			concurrency: 1,
			requestTimeout: 3600,
			pollInterval: 0.1,
			retryDelay: 0.1,
		};
		const {
			run,
			items: out,
			error,
		} = await runInpaint(env, submitParams(env, { options: limits }));
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(out[0].json.status).toBe('succeeded');
		const high = await runInpaint(
			env,
			submitParams(env, { options: { concurrency: 100, timeout: 86400, pollInterval: 0.1 } }),
		);
		expect(high.run.status).toBe('success');
	});

	it('Max Pause on 429 = 0 means no pause: a status check answered 429 with Retry-After 60 is asked again within the Job Timeout', async () => {
		env.sim.enqueueFaults(rateLimited('poll', 60));
		const { run, items: out } = await runInpaint(
			env,
			submitParams(env, {
				options: { maxRetryAfter: 0, pollInterval: 0.1, retryDelay: 0.1, timeout: 20 },
			}),
		);
		expect(run.status).toBe('success');
		expect(out[0].json.status).toBe('succeeded');
		expect(requestsTo(env, 'poll')[0].status).toBe(429);
	});
});

describe("a bad option on one item is that item's error", () => {
	const env = useEnv({ jobMs: 200 });
	const params = (env: Env) =>
		submitParams(env, {
			prompt: '={{ $json.prompt }}',
			options: { pollInterval: '={{ $json.poll }}', retryDelay: 0.1 },
		});

	it('under Continue On Fail, item 1 with a bad option is an error item, items 0 and 2 succeed, item 1 is never sent', async () => {
		const {
			run,
			items: out,
			error,
		} = await runInpaint(env, params(env), {
			items: items(3, (n) => ({ poll: n === 1 ? 0 : 0.1 })),
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(out).toHaveLength(3);
		expect(out[0].json.status).toBe('succeeded');
		expect(out[2].json.status).toBe('succeeded');
		expect(out[1].json.error).toBe(
			'Option "Poll Interval" must be a number of seconds from 0.1 to 3600',
		);
		expect(out[1].json.jobSetId).toBeNull();
		expect(out[1].pairedItem).toEqual({ item: 1 });
		expect(submittedItems(env)).toEqual([0, 2]);
	});

	it('under Continue On Fail, item 0 with a bad option does not fail the others', async () => {
		const { run, items: out } = await runInpaint(env, params(env), {
			items: items(3, (n) => ({ poll: n === 0 ? 'often' : 0.1 })),
			continueOnFail: true,
		});
		expect(run.status).toBe('success');
		expect(out[0].json.error).toBe(
			'Option "Poll Interval" must be a number of seconds from 0.1 to 3600',
		);
		expect(out[1].json.status).toBe('succeeded');
		expect(out[2].json.status).toBe('succeeded');
		expect(submittedItems(env)).toEqual([1, 2]);
	});

	it("without Continue On Fail, the lowest failing item's error is thrown and nothing at all is sent", async () => {
		const { run, error } = await runInpaint(
			env,
			submitParams(env, {
				prompt: '={{ $json.prompt }}',
				options: { pollInterval: '={{ $json.poll }}', maxRetries: '={{ $json.retries }}' },
			}),
			{ items: items(3, (n) => ({ poll: n === 2 ? 0 : 0.1, retries: n === 1 ? 99 : 1 })) },
		);
		expect(run.status).toBe('error');
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('Option "Max Retries" must be a whole number from 0 to 20');
		expect(error.context?.itemIndex).toBe(1);
		expectNothingSent(env);
	});
});
