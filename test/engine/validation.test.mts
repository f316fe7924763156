// Everything the node can check before sending is checked first, for every item: a bad field
// stops the run with a NodeOperationError naming the field and the item, and nothing at all reaches
// the API. An operation the node does not have is refused the same way.
import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import type { Env } from './env.mts';
import { fast, runInpaint, submitParams, useEnv } from './env.mts';
import { expectClearError, expectNothingSent } from './checks.mts';

type Case = { name: string; params: (env: Env) => Record<string, unknown>; field: RegExp };

const CASES: Case[] = [
	{
		name: 'an empty prompt from an expression',
		params: (env) => submitParams(env, { prompt: '={{ $json.missing }}' }),
		field: /prompt/i,
	},
	{
		name: 'a whitespace-only prompt',
		params: (env) => submitParams(env, { prompt: '  \n\t ' }),
		field: /prompt/i,
	},
	{
		name: 'a malformed image URL',
		params: (env) => submitParams(env, { imageUrl: 'not a url' }),
		field: /Image URL/,
	},
	{
		name: 'an ftp:// image URL',
		params: (env) => submitParams(env, { imageUrl: 'ftp://example.com/dog.png' }),
		field: /Image URL.*http/,
	},
	{
		name: 'a malformed mask URL',
		params: (env) => submitParams(env, { maskUrl: 'dog-mask.png' }),
		field: /Mask URL/,
	},
	{
		name: 'a mask without an image',
		params: (env) => submitParams(env, { imageUrl: '' }),
		field: /mask.*image|image.*mask/i,
	},
	{
		name: 'a non-integer width (512.5)',
		params: (env) => submitParams(env, { additionalFields: { width: 512.5 } }),
		field: /Width/,
	},
	{
		name: 'a negative seed',
		params: (env) => submitParams(env, { additionalFields: { seed: -1 } }),
		field: /Seed/,
	},
	{
		name: 'a width of "abc" from an expression',
		params: (env) => submitParams(env, { additionalFields: { width: '={{ "abc" }}' } }),
		field: /Width/,
	},
	{
		name: 'zero steps',
		params: (env) => submitParams(env, { additionalFields: { numSteps: 0 } }),
		field: /Steps/,
	},
	{
		name: 'an empty Job Set ID on Get Results (from an expression)',
		params: () => ({ operation: 'getResults', jobSetId: '={{ "" }}' }),
		field: /Job Set ID/,
	},
	{
		name: 'a whitespace Job Set ID on Get Results',
		params: () => ({ operation: 'getResults', jobSetId: '   ' }),
		field: /Job Set ID/,
	},
];

describe('validation before anything is sent', () => {
	const env = useEnv();

	describe.each(CASES)('$name', ({ params, field }) => {
		it('stops the run with a NodeOperationError naming the field, and sends nothing', async () => {
			const { run, items, error } = await runInpaint(env, { ...params(env), options: fast });
			expect(run.status).toBe('error');
			expect(items).toHaveLength(0);
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toMatch(field);
			expect(error.context?.itemIndex).toBe(0);
			expectClearError(error);
			expectNothingSent(env);
		});
	});

	it.each([
		['Submit with an empty prompt', (env: Env) => submitParams(env, { prompt: '' })],
		['Get Results with an empty Job Set ID', () => ({ operation: 'getResults', jobSetId: '' })],
	])(
		'%s typed in is refused by n8n itself (required field) and sends nothing',
		async (_name, params) => {
			const { run, items } = await runInpaint(env, { ...params(env), options: fast });
			expect(run.status).toBe('error');
			expect(items).toHaveLength(0);
			// n8n 2.x names the node ('Node "Inpaint" has issues'); n8n 1.x says "The workflow has issues".
			expect(run.error?.message).toMatch(/issues/);
			expectNothingSent(env);
		},
	);

	it('with 3 items where only the last one is invalid, sends nothing at all and names item 2', async () => {
		const { error } = await runInpaint(
			env,
			submitParams(env, { prompt: '={{ $json.prompt }}', options: fast }),
			{
				items: [
					{ json: { prompt: 'a lion' } },
					{ json: { prompt: 'a tiger' } },
					{ json: { prompt: '' } },
				],
			},
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(/prompt/i);
		expect(error.context?.itemIndex).toBe(2);
		expectNothingSent(env);
	});

	it('with 3 items where only the middle one has a bad URL, sends nothing at all and names item 1', async () => {
		const { error } = await runInpaint(
			env,
			submitParams(env, { imageUrl: '={{ $json.url }}', maskUrl: '', options: fast }),
			{
				items: [
					{ json: { url: env.sim.sampleImageUrl } },
					{ json: { url: 'ftp://x/y.png' } },
					{ json: { url: env.sim.sampleImageUrl } },
				],
			},
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(/Image URL/);
		expect(error.context?.itemIndex).toBe(1);
		expectNothingSent(env);
	});

	it('Get Results with one item missing its jobSetId asks the API about none of them', async () => {
		const { error } = await runInpaint(
			env,
			{ operation: 'getResults', options: fast },
			{
				items: [{ json: { jobSetId: 'jobset_0000000000000001' } }, { json: {} }],
			},
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(/Job Set ID/);
		expect(error.context?.itemIndex).toBe(1);
		expectNothingSent(env);
	});

	it('accepts a number field given as a numeric string from an expression and sends it as a number', async () => {
		const { items, error } = await runInpaint(
			env,
			submitParams(env, { additionalFields: { width: '={{ "512" }}' }, options: fast }),
		);
		expect(error).toBeUndefined();
		expect(items[0].json.status).toBe('succeeded');
		const submit = env.sim.requests().find((r: any) => r.endpoint === 'submit');
		expect((submit?.body as Record<string, unknown>).width).toBe(512);
	});

	it('trims spaces around the prompt and the URLs before sending', async () => {
		await runInpaint(
			env,
			submitParams(env, {
				prompt: '  Change to a lion  ',
				imageUrl: ` ${env.sim.sampleImageUrl} `,
				maskUrl: ` ${env.sim.sampleMaskUrl}\n`,
				options: fast,
			}),
		);
		const submit = env.sim.requests().find((r: any) => r.endpoint === 'submit');
		expect(submit?.body).toStrictEqual({
			prompt: 'Change to a lion',
			imageUrl: env.sim.sampleImageUrl,
			maskUrl: env.sim.sampleMaskUrl,
		});
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
		expectNothingSent(env);
	});

	it('any other unknown operation names it and the two there are', async () => {
		const { error } = await runInpaint(env, { operation: 'upscale' });
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('The operation "upscale" is not supported');
		expect(error.description).toMatch(/Submit or Get Results/);
	});
});
