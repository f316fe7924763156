import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { fast, requestsTo, runInpaint, submitParams, useEnv } from './env.mts';

/** n8n's own Retry On Fail, as the node's Settings tab stores it (no pause between tries). */
const retryOnFail = { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 };

describe("n8n's Retry On Fail on the node", () => {
	const env = useEnv();

	it('on Submit is refused before anything is sent, with what to do instead', async () => {
		const { run, items, error } = await runInpaint(env, submitParams(env, { options: fast }), {
			nodeSettings: retryOnFail,
		});
		expect(run.status).toBe('error');
		expect(items).toHaveLength(0);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(/Retry On Fail/);
		expect(error.description).toMatch(/Max Retries/);
		// n8n retried the node maxTries times; not one of those tries reached the API.
		expect(requestsTo(env, 'submit')).toHaveLength(0);
		expect(env.sim.stats().jobsCreated).toBe(0);
	});

	it('on Submit with On Error → Continue gives every item an error item naming the setting, and sends nothing', async () => {
		const { items, error } = await runInpaint(env, submitParams(env, { options: fast }), {
			nodeSettings: retryOnFail,
			continueOnFail: true,
			items: [{ json: { n: 0 } }, { json: { n: 1 } }, { json: { n: 2 } }],
		});
		expect(error).toBeUndefined();
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		for (const item of items) {
			expect(item.json).toMatchObject({
				error: 'Turn off Retry On Fail for this Submit node',
				jobSetId: null,
			});
		}
		expect(requestsTo(env, 'submit')).toHaveLength(0);
	});

	it('is refused because n8n re-runs a node whose first item failed under Continue (seen here on Get Results)', async () => {
		// Get Results on a job the API does not know: one status check per run, answered 404.
		const { items } = await runInpaint(
			env,
			{ operation: 'getResults', jobSetId: 'jobset_unknown_0000', options: fast },
			{ nodeSettings: retryOnFail, continueOnFail: true },
		);
		expect(items[0].json.httpCode).toBe(404);
		// n8n ran the node maxTries (3) times: on Submit, that would be three submits of every item.
		expect(requestsTo(env, 'poll')).toHaveLength(3);
	});

	it('on Get Results is allowed: a status check is safe to repeat', async () => {
		const submitted = await runInpaint(
			env,
			submitParams(env, { waitForCompletion: false, options: fast }),
		);
		const jobSetId = submitted.items[0].json.jobSetId as string;
		const { items, error } = await runInpaint(
			env,
			{ operation: 'getResults', jobSetId, waitForCompletion: true, options: fast },
			{ nodeSettings: retryOnFail },
		);
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ status: 'succeeded', jobSetId });
	});
});

describe('an operation the node does not have', () => {
	const env = useEnv();

	it('"Custom API Call", which n8n offers on nodes with a credential, points to the HTTP Request node', async () => {
		const { run, error } = await runInpaint(env, { operation: '__CUSTOM_API_CALL__' });
		expect(run.status).toBe('error');
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('Custom API Call is not an operation of this node');
		expect(error.description).toMatch(/HTTP Request node.*Predefined Credential Type.*Pixazo API/);
		expect(env.sim.stats().requests.submit + env.sim.stats().requests.poll).toBe(0);
	});

	it('any other unknown operation names it and the two there are', async () => {
		const { error } = await runInpaint(env, { operation: 'upscale' });
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('The operation "upscale" is not supported');
		expect(error.description).toMatch(/Submit or Get Results/);
	});
});
