import { describe, expect, it } from 'vitest';

import { testCredential } from '../harness/engine.mjs';
import type { Env } from './env.mts';
import { useEnv } from './env.mts';

function expectNoGeneration(env: Env) {
	const stats = env.sim.stats();
	expect(stats.jobsCreated).toBe(0);
	expect(stats.requests.submit).toBe(0);
	expect(env.sim.requests().some((r: any) => String(r.path).startsWith('/submit/'))).toBe(false);
}

describe('credential test (the "Test" button of the Pixazo API credential)', () => {
	const env = useEnv();

	it('passes with the right key, asking the polling endpoint with the key header and starting no generation', async () => {
		const result = await testCredential(env.pkg, 'pixazoApi', env.credentials);
		expect(result.status).toBe('OK');
		const polls = env.sim.requests().filter((r: any) => r.endpoint === 'poll');
		expect(polls).toHaveLength(1);
		expect(polls[0].headers['ocp-apim-subscription-key']).toBe(env.sim.key);
		expectNoGeneration(env);
	});

	it('fails with a wrong key, saying the key was rejected', async () => {
		const result = await testCredential(env.pkg, 'pixazoApi', { ...env.credentials, subscriptionKey: 'wrong' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/key/i);
		expect(result.message).toMatch(/rejected|invalid/i);
		// n8n-core itself re-sends a request once after a 401 (token refresh logic), so 1 or 2.
		expect(env.sim.stats().answered['401']).toBeGreaterThanOrEqual(1);
		expect(env.sim.requests().every((r: any) => r.endpoint === 'poll')).toBe(true);
		expectNoGeneration(env);
	});

	it('fails with a key that has no access to this API, saying so', async () => {
		const result = await testCredential(env.pkg, 'pixazoApi', {
			...env.credentials,
			subscriptionKey: env.sim.forbiddenKey,
		});
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/access/i);
		expect(result.message).not.toMatch(/rejected/i);
		expect(env.sim.stats().answered['403']).toBe(1);
		expectNoGeneration(env);
	});

	it('fails when the polling endpoint answers 500, since the key could not be checked', async () => {
		env.sim.enqueueFaults([{ endpoint: 'poll', type: 'status', status: 500 }]);
		const result = await testCredential(env.pkg, 'pixazoApi', env.credentials);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/500|server|failed|try again/i);
		expect(env.sim.stats().answered['500']).toBe(1);
		expectNoGeneration(env);
	});

	it('fails with an empty key', async () => {
		const result = await testCredential(env.pkg, 'pixazoApi', { ...env.credentials, subscriptionKey: '' });
		expect(result.status).toBe('Error');
		expectNoGeneration(env);
	});

	it('passes with the right key when the API answers 404 for the made-up job (the key was accepted)', async () => {
		await testCredential(env.pkg, 'pixazoApi', env.credentials);
		expect(env.sim.stats().answered['404']).toBe(1);
	});
});
