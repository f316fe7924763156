import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { readJobSetId } from '../helpers/validate';
import { checkJobOnce, waitForJob } from '../job/waitForJob';
import { finishJob } from '../job/finishJob';
import type { ItemTask } from '../job/itemRun';

const properties: INodeProperties[] = [
	{
		displayName: 'Job Set ID',
		name: 'jobSetId',
		type: 'string',
		required: true,
		default: '={{ $json.jobSetId }}',
		placeholder: 'e.g. jobset_abc123xyz',
		description:
			'The job to look up, as output by Submit (field jobSetId). The default reads it from the incoming item.',
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: false,
		description:
			'Whether to keep checking until the job ends. Off: check once and output the current status (for a Wait → Get Results → If loop).',
	},
];

export const description = updateDisplayOptions(
	{ show: { operation: ['getResults'] } },
	properties,
);

/**
 * Checks the item now (nothing is sent if it is wrong) and returns its work: check the job once,
 * wait for it if asked (its Job Timeout counting from now), output the result.
 */
export function prepare(context: IExecuteFunctions, itemIndex: number): ItemTask {
	const jobSetId = readJobSetId(
		context.getNode(),
		itemIndex,
		context.getNodeParameter('jobSetId', itemIndex, ''),
	);
	const wait = context.getNodeParameter('waitForCompletion', itemIndex, false) as boolean;
	return async (item) => {
		const startedAt = Date.now();
		item.jobs.record(item.itemIndex, jobSetId, 'unknown');
		const first = await checkJobOnce(item, jobSetId);
		if (!wait || first.state !== 'running') return await finishJob(item, { snapshot: first });
		return await finishJob(item, await waitForJob(item, first, startedAt));
	};
}
