import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ItemTask } from '../helpers/batch';
import { finishJob, finishSnapshot } from '../helpers/finishJob';
import { readAnswer } from '../helpers/normalize';
import type { RunOptions } from '../helpers/options';
import { readSubmitBody } from '../helpers/validate';
import { badBodyError } from '../transport/apiErrors';
import type { Endpoints } from '../transport/endpoints';
import type { Transport } from '../transport/request';
import { PAST_DEADLINE } from '../transport/pacer';
import { callApi } from '../transport/request';

const show = { show: { operation: ['submit'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. Change to a lion',
		typeOptions: { rows: 2 },
		displayOptions: show,
		description: 'What to paint into the masked (white) area of the image, in plain words',
	},
	{
		displayName: 'Image URL',
		name: 'imageUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://example.com/dog.png',
		hint: 'A public link: the API downloads the image itself',
		displayOptions: show,
		description:
			'Public http(s) link to the image to edit. The API downloads it itself, so a file in n8n must be uploaded somewhere public first (S3, Google Drive with a public link…).',
	},
	{
		displayName: 'Mask URL',
		name: 'maskUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://example.com/dog-mask.png',
		hint: 'Same size as the image: white is repainted, black is kept',
		displayOptions: show,
		description:
			'Public http(s) link to a black-and-white mask of the same size as the image: white is repainted, black is kept',
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: true,
		displayOptions: show,
		description:
			'Whether to wait for the job and output its image URLs. Off: output the Job Set ID at once, to fetch later with Get Results.',
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Guidance',
				name: 'guidance',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 5,
				description:
					'How closely to follow the prompt (guidance scale); higher is stricter, e.g. 5 to 8',
			},
			{
				displayName: 'Height',
				name: 'height',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 512,
				description:
					'Height of the output image in pixels. Stable Diffusion 1.5 is trained at 512; larger sizes can repeat the subject.',
			},
			{
				displayName: 'Negative Prompt',
				name: 'negativePrompt',
				type: 'string',
				default: '',
				placeholder: 'e.g. watermark, blurry',
				description: 'What the result should not contain',
			},
			{
				displayName: 'Seed',
				name: 'seed',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 0 },
				default: 42,
				description: 'Fixes the randomness: the same seed and inputs give the same image',
			},
			{
				displayName: 'Steps',
				name: 'numSteps',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 20,
				description: 'Number of denoising steps; more is slower and often finer, e.g. 20 to 50',
			},
			{
				displayName: 'Width',
				name: 'width',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 512,
				description:
					'Width of the output image in pixels. Stable Diffusion 1.5 is trained at 512; larger sizes can repeat the subject.',
			},
		],
	},
];

/** Checks the item now (nothing is sent if it is wrong) and returns the work to do for it. */
export function plan(
	fx: IExecuteFunctions,
	itemIndex: number,
	t: Transport,
	endpoints: Endpoints,
	options: RunOptions,
): ItemTask {
	const body = readSubmitBody(fx, itemIndex);
	const wait = fx.getNodeParameter('waitForCompletion', itemIndex, true) as boolean;
	return async (batch) => {
		const answer = await callApi(t, {
			endpoint: 'submit',
			url: endpoints.submitUrl,
			body,
			itemIndex,
			policy: options,
			patienceMs: options.timeoutMs,
			stopped: () => batch.stopped,
		});
		if (answer === PAST_DEADLINE)
			throw new NodeOperationError(fx.getNode(), 'The submit gave up without an answer', {
				itemIndex,
			});
		const startedAt = Date.now();
		const first = readAnswer(answer);
		if (first.jobSetId) {
			batch.record(itemIndex, first.jobSetId, first.status);
			// One line per accepted job: if the process dies while waiting, the job can be found in the logs.
			fx.logger.info(
				`Pixazo job accepted: jobSetId=${first.jobSetId} execution=${fx.getExecutionId()} node="${fx.getNode().name}" item=${itemIndex}`,
			);
		}
		const target = {
			jobSetId: first.jobSetId ?? '',
			pollUrl: endpoints.pollUrl,
			itemIndex,
			options,
		};
		const finishPlan = { target, wait, startedAt };
		if (first.state !== 'running' || first.results.some((r) => r.imageUrl)) {
			return await finishSnapshot(
				t,
				{ ...first, state: first.state === 'running' ? 'succeeded' : first.state },
				finishPlan,
			);
		}
		if (!first.jobSetId) {
			throw badBodyError(fx.getNode(), 'neither an image URL nor a job_set_id to poll', answer, {
				endpoint: 'submit',
				itemIndex,
				host: new URL(endpoints.submitUrl).host,
				retries: 0,
			});
		}
		return await finishJob(t, batch, first, finishPlan);
	};
}
