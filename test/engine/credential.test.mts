// The Pixazo API credential: its Test button checks the key against the polling endpoint and
// starts no generation, telling a rejected key from one without access and from an API that could
// not be asked; its fields default to the vendor's base URLs, and a base URL that is not http(s)
// stops a run before anything is sent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { n8nCoreVersion, testCredential } from '../harness/engine.mjs';
import type { Env } from './env.mts';
import { fast, runInpaint, submitParams, useEnv } from './env.mts';
import { expectNothingSent, requestsTo } from './checks.mts';

const VENDOR_SUBMIT_BASE = 'https://gateway-stable-diffusion-v1-5-inpainting.appypie.workers.dev';
const VENDOR_POLL_BASE = 'https://gateway.pixazo.ai/ai-model-api-polling';

/**
 * KNOWN DEFECT on n8n 1.x (found by these tests, not fixed here): n8n 1.x reads the credential test's
 * `ignoreHttpStatusErrors: { ignore, except }` as plain `true`, so a 502/503/504 is not an error
 * there and only the documented body of a 500 is recognised: the test reports OK although nothing
 * could be checked. `it.fails` keeps it visible: it starts failing once the defect is fixed.
 */
const N8N_1 = n8nCoreVersion.startsWith('1.');

function expectNoGeneration(env: Env) {
	const stats = env.sim.stats();
	expect(stats.jobsCreated).toBe(0);
	expect(stats.requests.submit).toBe(0);
	expect(env.sim.requests().some((r: any) => String(r.path).startsWith('/submit/'))).toBe(false);
}

describe('credential test (the "Test" button of the Pixazo API credential)', () => {
	const env = useEnv();
	/** The credential's Test button, with this key and the simulator's base URLs. */
	const testKey = (subscriptionKey: string) =>
		testCredential(env.pkg, 'pixazoApi', { ...env.credentials, subscriptionKey });

	it('passes with the right key, asking the polling endpoint with the key header and starting no generation', async () => {
		const result = await testKey(env.credentials.subscriptionKey);
		expect(result.status).toBe('OK');
		const polls = requestsTo(env, 'poll');
		expect(polls).toHaveLength(1);
		expect(polls[0].headers['ocp-apim-subscription-key']).toBe(env.sim.key);
		expectNoGeneration(env);
	});

	it('fails with a wrong key, saying the key was rejected', async () => {
		const result = await testKey('wrong');
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/key/i);
		expect(result.message).toMatch(/rejected|invalid/i);
		// n8n-core itself re-sends a request once after a 401 (token refresh logic), so 1 or 2.
		expect(env.sim.stats().answered['401']).toBeGreaterThanOrEqual(1);
		expect(env.sim.requests().every((r: any) => r.endpoint === 'poll')).toBe(true);
		expectNoGeneration(env);
	});

	it('fails with a key that has no access to this API, saying so', async () => {
		const result = await testKey(env.sim.forbiddenKey);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/access/i);
		expect(result.message).not.toMatch(/rejected/i);
		expect(env.sim.stats().answered['403']).toBe(1);
		expectNoGeneration(env);
	});

	for (const status of [500, 502, 503, 504]) {
		const test = N8N_1 && status !== 500 ? it.fails : it;
		test(`fails when the polling endpoint answers ${status}, saying the key could not be checked`, async () => {
			env.sim.enqueueFaults([{ endpoint: 'poll', type: 'status', status }]);
			const result = await testKey(env.credentials.subscriptionKey);
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/could not be checked/);
			expect(result.message).not.toMatch(/rejected|no access/i);
			expect(env.sim.stats().answered[String(status)]).toBe(1);
			expect(env.sim.stats().answered['404']).toBeUndefined(); // the fault answered the only check
			expectNoGeneration(env);
		});
	}

	it('fails with an empty key', async () => {
		const result = await testKey('');
		expect(result.status).toBe('Error');
		expectNoGeneration(env);
	});

	it('passes with the right key when the API answers 404 for the made-up job (the key was accepted)', async () => {
		const result = await testKey(env.credentials.subscriptionKey);
		expect(result.status).toBe('OK');
		// The only answer the test got was the 404 for the job that cannot exist.
		expect(env.sim.stats().answered).toEqual({ 404: 1 });
		const [check] = env.sim.requests();
		expect(check.body).toEqual({ job_set_id: expect.stringMatching(/not-a-job/) });
	});
});

describe("the credential's fields", () => {
	const env = useEnv();

	it("default to the vendor's two base URLs, as the README's Credentials table says", () => {
		const type = env.pkg.credentialTypes.getByName('pixazoApi');
		const defaults = Object.fromEntries(type.properties.map((p: any) => [p.name, p.default]));
		expect(defaults).toEqual({
			subscriptionKey: '',
			submitBaseUrl: VENDOR_SUBMIT_BASE,
			pollBaseUrl: VENDOR_POLL_BASE,
		});
		expect(type.properties.find((p: any) => p.name === 'subscriptionKey').typeOptions).toEqual({
			password: true,
		});
		const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
		expect(readme).toContain(`| Submit Base URL | \`${VENDOR_SUBMIT_BASE}\` |`);
		expect(readme).toContain(`| Polling Base URL | \`${VENDOR_POLL_BASE}\` |`);
	});

	it.each([
		['Submit Base URL', 'submitBaseUrl', 'ftp://127.0.0.1/submit'],
		['Polling Base URL', 'pollBaseUrl', 'file:///tmp/poll'],
		['Submit Base URL', 'submitBaseUrl', '127.0.0.1:8080/submit'],
	])(
		'a %s that is not an http(s) URL (%s = %s) stops the run before anything is sent, naming the field',
		async (label, field, value) => {
			const { run, error } = await runInpaint(env, submitParams(env, { options: fast }), {
				credentials: { [field]: value },
			});
			expect(run.status).toBe('error');
			expect(error.constructor.name).toBe('NodeOperationError');
			expect(error.message).toBe(`The credential's ${label} is not an http(s) URL`);
			expect(error.description).toContain(
				label === 'Submit Base URL' ? VENDOR_SUBMIT_BASE : VENDOR_POLL_BASE,
			);
			expectNothingSent(env);
		},
	);
});
