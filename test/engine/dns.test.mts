// A submit that failed in the DNS lookup with EAI_AGAIN ("try again": a resolver that did not
// answer) never left the machine, so the README promises it is retried like a refused connection.
// The test makes the lookup of one made-up host name fail with EAI_AGAIN a given number of times
// (Node's dns.lookup, which the HTTP client uses, is replaced in this test process), then resolve to
// 127.0.0.1, where the simulator counts what really arrived.
import dns from 'node:dns';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { fastRetries, runInpaint, submitParams, useEnv } from './env.mts';
import { errorText, expectNothingSent, requestsTo } from './checks.mts';

const FLAKY_HOST = 'pixazo-dns-flaky.test';

describe('a submit whose DNS lookup failed with EAI_AGAIN is retried (it was never sent)', () => {
	const env = useEnv({ jobMs: 200 });
	const original = dns.lookup;
	let failuresLeft = 0;
	let lookups = 0;

	beforeEach(() => {
		lookups = 0;
		(dns as any).lookup = (hostname: string, options: any, callback?: any) => {
			const cb = typeof options === 'function' ? options : callback;
			const opts =
				typeof options === 'function' || typeof options === 'number' ? {} : (options ?? {});
			if (hostname !== FLAKY_HOST) return (original as any)(hostname, options, callback);
			lookups++;
			process.nextTick(() => {
				if (failuresLeft > 0) {
					failuresLeft--;
					const error = Object.assign(new Error(`getaddrinfo EAI_AGAIN ${hostname}`), {
						code: 'EAI_AGAIN',
						errno: -3001,
						syscall: 'getaddrinfo',
						hostname,
					});
					cb(error);
				} else if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
				else cb(null, '127.0.0.1', 4);
			});
		};
	});
	afterEach(() => {
		(dns as any).lookup = original;
	});

	const flakyCredentials = () => ({
		submitBaseUrl: env.sim.submitBaseUrl.replace('127.0.0.1', FLAKY_HOST),
	});

	it('one EAI_AGAIN, then the lookup works: the submit is sent once and the job succeeds', async () => {
		failuresLeft = 1;
		const { run, items, error } = await runInpaint(
			env,
			submitParams(env, { options: fastRetries(2) }),
			{
				credentials: flakyCredentials(),
			},
		);
		expect(error).toBeUndefined();
		expect(run.status).toBe('success');
		expect(items[0].json.status).toBe('succeeded');
		expect(lookups).toBe(2);
		expect(requestsTo(env, 'submit')).toHaveLength(1);
		expect(requestsTo(env, 'submit')[0].headers.host).toBe(`${FLAKY_HOST}:${env.sim.port}`);
		expect(env.sim.stats().jobsCreated).toBe(1);
		expect(run.logs.filter((l) => /submit: EAI_AGAIN, retrying/.test(l))).toHaveLength(1);
	});

	const failEveryTry = async () => {
		failuresLeft = 100;
		return runInpaint(env, submitParams(env, { options: fastRetries(2) }), {
			credentials: flakyCredentials(),
		});
	};

	it('EAI_AGAIN on every try: tried Max Retries + 1 times, nothing reached the API, the error says why', async () => {
		const { run, error } = await failEveryTry();
		expect(run.status).toBe('error');
		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.message).toBe(
			`Could not reach the Pixazo API at ${FLAKY_HOST}:${env.sim.port}: the host name could not be looked up`,
		);
		expect(error.description).toContain('Tried 3 times');
		expect(error.description).toContain('EAI_AGAIN');
		expect(lookups).toBe(3);
		expectNothingSent(env);
	});

	// The lookup failed, so nothing was ever sent: the error must not say the API may have the job.
	it('EAI_AGAIN on every try: the error does not claim the API may have created the job', async () => {
		const { error } = await failEveryTry();
		expect(errorText(error)).not.toMatch(/not sent again|may have created/i);
	});
});
