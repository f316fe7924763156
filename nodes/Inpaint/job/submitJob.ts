import type { JobSnapshot } from '../helpers/jobAnswer';
import { parseJobAnswer } from '../helpers/jobAnswer';
import type { SubmitBody } from '../helpers/validate';
import { failureContext, postSubmit } from '../transport/apiCalls';
import { badBodyError } from '../transport/errors/apiErrors';
import type { ItemRun } from './itemRun';

/** A submitted item: the API's first answer, and when it accepted the job. */
interface Submitted {
	first: JobSnapshot;
	acceptedAt: number;
}

/**
 * Sends the item to POST /getImage. The answer is an image now, or a job to wait for; a job is
 * recorded, and logged once, so it can be found even if the process dies while waiting.
 */
export async function submitJob(item: ItemRun, body: SubmitBody): Promise<Submitted> {
	const { run, itemIndex, options, endpoints } = item;
	const answer = await postSubmit(run, {
		url: endpoints.submitUrl,
		body,
		itemIndex,
		policy: options,
		patienceMs: options.timeoutMs,
	});
	const acceptedAt = Date.now();
	const first = parseJobAnswer(answer);
	const hasImage = first.results.some((result) => result.imageUrl);
	if (first.jobSetId) {
		item.jobs.record(itemIndex, first.jobSetId, first.status);
		const node = run.context.getNode();
		run.context.logger.info(
			`Pixazo job accepted: jobSetId=${first.jobSetId} execution=${run.context.getExecutionId()} node="${node.name}" item=${itemIndex}`,
		);
	} else if (first.state === 'running' && !hasImage) {
		throw badBodyError(
			run.context.getNode(),
			'neither an image URL nor a job_set_id to poll',
			answer,
			failureContext({ url: endpoints.submitUrl, itemIndex }, 'submit', 0),
		);
	}
	// An image in the first answer is the result, whatever status came with it.
	if (first.state === 'running' && hasImage)
		return { first: { ...first, state: 'succeeded' }, acceptedAt };
	return { first, acceptedAt };
}
