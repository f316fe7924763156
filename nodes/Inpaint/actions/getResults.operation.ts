import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ItemTask } from '../helpers/batch';
import { finishJob } from '../helpers/finishJob';
import type { JobSnapshot } from '../helpers/normalize';
import type { RunOptions } from '../helpers/options';
import { readJobSetId } from '../helpers/validate';
import { pollOnce } from '../helpers/waitForJob';
import type { Endpoints } from '../transport/endpoints';
import type { Transport } from '../transport/request';

const show = { show: { operation: ['getResults'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Job Set ID',
		name: 'jobSetId',
		type: 'string',
		required: true,
		default: '={{ $json.jobSetId }}',
		placeholder: 'e.g. jobset_abc123xyz',
		displayOptions: show,
		description:
			'The job to look up, as output by Submit (field jobSetId). The default reads it from the incoming item.',
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: false,
		displayOptions: show,
		description:
			'Whether to keep checking until the job ends. Off: check once and output the current status (for a Wait → Get Results → If loop).',
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
	const jobSetId = readJobSetId(fx, itemIndex);
	const wait = fx.getNodeParameter('waitForCompletion', itemIndex, false) as boolean;
	return async (batch) => {
		const startedAt = Date.now();
		const target = { jobSetId, pollUrl: endpoints.pollUrl, itemIndex, options };
		batch.record(itemIndex, jobSetId, 'unknown');
		const first = (await pollOnce(t, target)) as JobSnapshot; // no deadline: never null
		return await finishJob(t, batch, first, { target, wait, startedAt });
	};
}
