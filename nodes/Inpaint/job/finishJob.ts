import type { JobSnapshot } from '../helpers/jobAnswer';
import { toOutputJson } from '../helpers/output';
import type { WaitOutcome } from './waitForJob';
import { downloadImages } from './download/downloadImages';
import type { ItemResult, ItemRun } from './itemRun';
import { checksFailedError, jobFailedError, noImageError, timeoutError } from './jobErrors';

/**
 * Turns a job's last known state into the item's output: a failed job, a job that outlasted its
 * timeout (unless it is to be handed over) or a success without an image is an error; a
 * success's images are downloaded when asked.
 */
export async function finishJob(
	item: ItemRun,
	outcome: WaitOutcome | { snapshot: JobSnapshot; timedOut?: false },
): Promise<ItemResult> {
	const { snapshot } = outcome;
	item.jobs.record(item.itemIndex, snapshot.jobSetId, snapshot.status);
	if (outcome.timedOut && item.options.onTimeout === 'error') {
		if ('lastProblem' in outcome && outcome.lastProblem)
			throw checksFailedError(item, outcome.lastProblem, snapshot);
		throw timeoutError(item, snapshot);
	}
	if (snapshot.state === 'failed') throw jobFailedError(item, snapshot);
	const result: ItemResult = { json: toOutputJson(snapshot) };
	if (snapshot.state !== 'succeeded') return result;
	if (!snapshot.results.some((r) => r.imageUrl)) throw noImageError(item, snapshot);
	if (item.options.downloadImages) result.binary = await downloadImages(item, snapshot);
	return result;
}
