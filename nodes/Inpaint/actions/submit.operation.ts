import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { FILE_IN_N8N_HELP, readSubmitBody } from '../helpers/validate';
import { waitForJob } from '../job/waitForJob';
import { checkTimingFor } from '../job/jobKinds';
import { finishJob } from '../job/finishJob';
import type { ItemTask } from '../job/itemRun';
import { submitJob } from '../job/submitJob';

const properties: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. Change to a lion',
		typeOptions: { rows: 2 },
		description: 'What to paint into the masked (white) area of the image, in plain words',
	},
	{
		displayName: 'Image URL',
		name: 'imageUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://example.com/dog.png',
		hint: `A public link: the API downloads the image itself. A file in n8n? <a href="${FILE_IN_N8N_HELP}">Upload it first</a>.`,
		description:
			'Public http(s) link to the image to edit. The API downloads it, so a file held in n8n must be uploaded first (S3, R2, Google Drive…).',
	},
	{
		displayName: 'Mask URL',
		name: 'maskUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://example.com/dog-mask.png',
		hint: 'Same size as the image: white is repainted, black is kept',
		description:
			'Public http(s) link to a black-and-white mask the size of the image (white is repainted). A file in n8n must be uploaded first, like the image.',
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: true,
		description:
			'Whether to wait for the job and output its image URLs. Off: output the Job Set ID at once, to fetch later with Get Results.',
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
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

export const description = updateDisplayOptions({ show: { operation: ['submit'] } }, properties);

/**
 * Checks the item now (nothing is sent if it is wrong) and returns its work: submit, wait for the
 * job if asked (its first check timed to when such jobs finish), output the result.
 */
export function prepare(context: IExecuteFunctions, itemIndex: number): ItemTask {
	const body = readSubmitBody(context.getNode(), itemIndex, {
		prompt: context.getNodeParameter('prompt', itemIndex, ''),
		imageUrl: context.getNodeParameter('imageUrl', itemIndex, ''),
		maskUrl: context.getNodeParameter('maskUrl', itemIndex, ''),
		additionalFields: context.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject,
	});
	const wait = context.getNodeParameter('waitForCompletion', itemIndex, true) as boolean;
	return async (item) => {
		const { first, acceptedAt } = await submitJob(item, body);
		if (!wait || first.state !== 'running') return await finishJob(item, { snapshot: first });
		const timing = checkTimingFor(item, body);
		return await finishJob(item, await waitForJob(item, first, acceptedAt, timing));
	};
}
