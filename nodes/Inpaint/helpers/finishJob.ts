import type { JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Transport } from '../transport/request';
import type { Batch, ItemResult } from './batch';
import { downloadImages } from './download';
import type { JobSnapshot } from './normalize';
import { toOutputJson } from './output';
import type { PollTarget } from './waitForJob';
import { waitForJob } from './waitForJob';

export interface FinishPlan {
	target: PollTarget;
	wait: boolean;
	/** When the API accepted the job (Get Results: when the node began checking): the timeout counts from here. */
	startedAt: number;
}

function timeoutError(t: Transport, snapshot: JobSnapshot, plan: FinishPlan): NodeOperationError {
	const seconds = plan.target.options.timeoutMs / 1000;
	return new NodeOperationError(
		t.fx.getNode(),
		`Job ${plan.target.jobSetId} did not finish within ${seconds} s (last status: ${snapshot.status})`,
		{
			itemIndex: plan.target.itemIndex,
			description: `The job is still known to the API. Fetch it later with the Get Results operation and Job Set ID ${plan.target.jobSetId}, raise Options > Job Timeout, or set Options > On Timeout to "Return the Job" to hand it to a Wait → Get Results loop.`,
		},
	);
}

function checksFailedError(error: NodeApiError, plan: FinishPlan): NodeApiError {
	const seconds = plan.target.options.timeoutMs / 1000;
	error.description =
		`${error.description ?? ''} The status checks were retried for ${seconds} s (Options > Job Timeout). The job may still finish: fetch it later with Get Results and Job Set ID ${plan.target.jobSetId}.`.trim();
	return error;
}

function jobFailedError(t: Transport, snapshot: JobSnapshot, plan: FinishPlan): NodeApiError {
	// Not "status": n8n would take it for the error's HTTP code.
	const details: JsonObject = { jobSetId: snapshot.jobSetId ?? '', jobStatus: snapshot.status };
	if (snapshot.reason) details.reason = snapshot.reason;
	const job = snapshot.jobSetId ? `Inpainting job ${snapshot.jobSetId}` : 'The inpainting request';
	const ended =
		snapshot.status === 'cancelled' || snapshot.status === 'canceled' ? 'was cancelled' : 'failed';
	return new NodeApiError(t.fx.getNode(), details, {
		message: `${job} ${ended}${snapshot.reason ? `: ${snapshot.reason}` : ''}`,
		description:
			'The API ended the job without an image. Check that the image and mask URLs are reachable and that the mask matches the image, then submit again.',
		itemIndex: plan.target.itemIndex,
	});
}

/**
 * Takes a job from its first known state to the item the node outputs: waits if asked,
 * fails clearly on a failed or empty job, hands the job over on timeout when asked to,
 * and downloads the images when asked to.
 */
export async function finishJob(
	t: Transport,
	batch: Batch,
	first: JobSnapshot,
	plan: FinishPlan,
): Promise<ItemResult> {
	const { target } = plan;
	let snapshot = first;
	batch.record(target.itemIndex, target.jobSetId, snapshot.status);
	if (plan.wait && snapshot.state === 'running') {
		const deadline = plan.startedAt + target.options.timeoutMs;
		const outcome = await waitForJob(t, target, snapshot, deadline, () => batch.stopped);
		snapshot = outcome.snapshot;
		batch.record(target.itemIndex, target.jobSetId, snapshot.status);
		if (outcome.timedOut && target.options.onTimeout === 'error') {
			// Checks that kept failing until the Job Timeout: the API's own error says more than "timed out".
			if (outcome.lastProblem) throw checksFailedError(outcome.lastProblem, plan);
			throw timeoutError(t, snapshot, plan);
		}
	}
	return await finishSnapshot(t, snapshot, plan);
}

/** Turns a known state into the output item: a failed job is an error, a success needs images. */
export async function finishSnapshot(
	t: Transport,
	snapshot: JobSnapshot,
	plan: FinishPlan,
): Promise<ItemResult> {
	if (snapshot.state === 'failed') throw jobFailedError(t, snapshot, plan);
	const result: ItemResult = { json: toOutputJson(snapshot) };
	if (snapshot.state !== 'succeeded') return result;
	if (!snapshot.results.some((r) => r.imageUrl)) {
		throw new NodeApiError(
			t.fx.getNode(),
			{ jobSetId: snapshot.jobSetId ?? '', jobStatus: snapshot.status },
			{
				message: `The job ${snapshot.jobSetId ? `${snapshot.jobSetId} ` : ''}succeeded but the API returned no image URL`,
				description:
					'The API answered without a result link. Run Get Results again in a moment; if it persists, contact Pixazo support with the job set ID.',
				itemIndex: plan.target.itemIndex,
			},
		);
	}
	if (plan.target.options.downloadImages) {
		result.binary = await downloadImages(t, snapshot.results, {
			itemIndex: plan.target.itemIndex,
			jobSetId: snapshot.jobSetId,
			options: plan.target.options,
		});
	}
	return result;
}
