import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { fast, requestsTo, runInpaint, submitParams, useEnv } from './env';

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

	it('on Submit with On Error → Continue runs normally (a failure becomes an item, never a re-run)', async () => {
		const { items, error } = await runInpaint(env, submitParams(env, { options: fast }), {
			nodeSettings: retryOnFail,
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json.status).toBe('succeeded');
		expect(requestsTo(env, 'submit')).toHaveLength(1);
	});

	it('on Get Results is allowed: a status check is safe to repeat', async () => {
		const submitted = await runInpaint(env, submitParams(env, { waitForCompletion: false, options: fast }));
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
