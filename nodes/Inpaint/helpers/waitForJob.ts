import type { IDataObject } from 'n8n-workflow';

import type { Transport } from '../transport/request';
import { callApi } from '../transport/request';
import type { JobSnapshot } from './normalize';
import { readAnswer } from './normalize';
import type { RunOptions } from './options';

export interface PollTarget {
	jobSetId: string;
	pollUrl: string;
	itemIndex: number;
	options: RunOptions;
}

export async function pollOnce(t: Transport, target: PollTarget): Promise<JobSnapshot> {
	const body: IDataObject = await callApi(t, {
		endpoint: 'poll',
		url: target.pollUrl,
		body: { job_set_id: target.jobSetId },
		itemIndex: target.itemIndex,
		jobSetId: target.jobSetId,
		options: target.options,
	});
	return readAnswer(body, target.jobSetId);
}

export interface WaitOutcome {
	snapshot: JobSnapshot;
	timedOut: boolean;
}

/**
 * Checks the job every poll interval until it ends or the timeout passes. The timeout is counted
 * from `startedAt` (the submit), so a slow submit does not extend it. `shouldStop` ends the wait
 * early (another item failed and the run is ending), returning the last state seen.
 */
export async function waitForJob(
	t: Transport,
	target: PollTarget,
	first: JobSnapshot,
	startedAt: number,
	shouldStop: () => boolean,
): Promise<WaitOutcome> {
	const deadline = startedAt + target.options.timeoutMs;
	let snapshot = first;
	while (snapshot.state === 'running') {
		const left = deadline - Date.now();
		if (left <= 0 || shouldStop()) return { snapshot, timedOut: left <= 0 };
		await t.waiter.wait(Math.min(target.options.pollIntervalMs, left));
		if (shouldStop()) return { snapshot, timedOut: false };
		snapshot = await pollOnce(t, target);
	}
	return { snapshot, timedOut: false };
}
