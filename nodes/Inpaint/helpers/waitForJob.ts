import type { IDataObject } from 'n8n-workflow';

import type { Transport } from '../transport/request';
import { PAST_DEADLINE } from '../transport/gate';
import { callApiBefore } from '../transport/request';
import type { JobSnapshot } from './normalize';
import { readAnswer } from './normalize';
import type { RunOptions } from './options';

export interface PollTarget {
	jobSetId: string;
	pollUrl: string;
	itemIndex: number;
	options: RunOptions;
}

/** One status check; null when `deadline` came first (rate-limit pauses and retries included). */
export async function pollOnce(t: Transport, target: PollTarget, deadline = Infinity): Promise<JobSnapshot | null> {
	const body: IDataObject | typeof PAST_DEADLINE = await callApiBefore(t, {
		endpoint: 'poll',
		url: target.pollUrl,
		body: { job_set_id: target.jobSetId },
		itemIndex: target.itemIndex,
		jobSetId: target.jobSetId,
		options: target.options,
	}, deadline);
	return body === PAST_DEADLINE ? null : readAnswer(body, target.jobSetId);
}

export interface WaitOutcome {
	snapshot: JobSnapshot;
	timedOut: boolean;
}

/**
 * Checks the job every poll interval until it ends or the timeout passes. The timeout is counted
 * from `startedAt` (the submit), so a slow submit does not extend it. The first check waits for
 * `allSent` too: every item is submitted before any is polled, so submits never queue behind
 * status checks. `shouldStop` ends the wait early (another item failed and the run is ending),
 * returning the last state seen.
 */
export async function waitForJob(
	t: Transport,
	target: PollTarget,
	first: JobSnapshot,
	startedAt: number,
	shouldStop: () => boolean,
	allSent: Promise<void>,
): Promise<WaitOutcome> {
	const deadline = startedAt + target.options.timeoutMs;
	let snapshot = first;
	let polled = false;
	while (snapshot.state === 'running') {
		const left = deadline - Date.now();
		if (left <= 0 || shouldStop()) return { snapshot, timedOut: left <= 0 };
		await t.waiter.wait(Math.min(target.options.pollIntervalMs, left));
		if (!polled) await allSent;
		polled = true;
		if (shouldStop()) return { snapshot, timedOut: false };
		const next = await pollOnce(t, target, deadline);
		if (next === null) return { snapshot, timedOut: true };
		snapshot = next;
	}
	return { snapshot, timedOut: false };
}
