import type { JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { JobSnapshot } from '../helpers/jobAnswer';
import type { ItemRun } from './itemRun';

/** The job was still running at its Job Timeout. */
export function timeoutError(item: ItemRun, snapshot: JobSnapshot): NodeOperationError {
	const seconds = item.options.timeoutMs / 1000;
	const id = snapshot.jobSetId ?? '';
	return new NodeOperationError(
		item.run.context.getNode(),
		`Job ${id} did not finish within ${seconds} s (last status: ${snapshot.status})`,
		{
			itemIndex: item.itemIndex,
			description: `The job is still known to the API. Fetch it later with the Get Results operation and Job Set ID ${id}, raise Options > Job Timeout, or set Options > On Timeout to "Return the Job" to hand it to a Wait → Get Results loop.`,
		},
	);
}

/** The status checks kept failing until the Job Timeout: the API's own error says more than "timed out". */
export function checksFailedError(
	item: ItemRun,
	error: NodeApiError,
	snapshot: JobSnapshot,
): NodeApiError {
	const seconds = item.options.timeoutMs / 1000;
	error.description =
		`${error.description ?? ''} The status checks were retried for ${seconds} s (Options > Job Timeout). The job may still finish: fetch it later with Get Results and Job Set ID ${snapshot.jobSetId ?? ''}.`.trim();
	return error;
}

/** The API ended the job without an image. */
export function jobFailedError(item: ItemRun, snapshot: JobSnapshot): NodeApiError {
	// Not "status": n8n would take it for the error's HTTP code.
	const details: JsonObject = { jobSetId: snapshot.jobSetId ?? '', jobStatus: snapshot.status };
	if (snapshot.reason) details.reason = snapshot.reason;
	const job = snapshot.jobSetId ? `Inpainting job ${snapshot.jobSetId}` : 'The inpainting request';
	const ended =
		snapshot.status === 'cancelled' || snapshot.status === 'canceled' ? 'was cancelled' : 'failed';
	return new NodeApiError(item.run.context.getNode(), details, {
		message: `${job} ${ended}${snapshot.reason ? `: ${snapshot.reason}` : ''}`,
		description:
			'The API ended the job without an image. Check that the image and mask URLs are reachable and that the mask matches the image, then submit again.',
		itemIndex: item.itemIndex,
	});
}

/** The job succeeded, but its answer named no image. */
export function noImageError(item: ItemRun, snapshot: JobSnapshot): NodeApiError {
	return new NodeApiError(
		item.run.context.getNode(),
		{ jobSetId: snapshot.jobSetId ?? '', jobStatus: snapshot.status },
		{
			message: `The job ${snapshot.jobSetId ? `${snapshot.jobSetId} ` : ''}succeeded but the API returned no image URL`,
			description:
				'The API answered without a result link. Run Get Results again in a moment; if it persists, contact Pixazo support with the job set ID.',
			itemIndex: item.itemIndex,
		},
	);
}
