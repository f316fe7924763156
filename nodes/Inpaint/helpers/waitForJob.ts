import type { NodeApiError } from 'n8n-workflow';

import type { Transport } from '../transport/request';
import { PAST_DEADLINE } from '../transport/pacer';
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

/** The check made at a job's deadline may still take this long to get a slot. */
const LAST_CHECK_MS = 250;

/**
 * One status check. Without a deadline it is retried Max Retries times; with one, whatever is
 * safe to retry (429, 5xx, timeouts, dropped connections, unusable bodies) is waited out until
 * then, and null means the deadline came first.
 */
export async function pollOnce(
	t: Transport,
	target: PollTarget,
	deadline?: number,
	onRetry?: (problem: NodeApiError) => void,
): Promise<JobSnapshot | null> {
	const body = await callApi(t, {
		endpoint: 'poll',
		url: target.pollUrl,
		body: { job_set_id: target.jobSetId },
		itemIndex: target.itemIndex,
		jobSetId: target.jobSetId,
		policy: target.options,
		onRetry,
		...(deadline === undefined
			? {}
			: { deadline: () => deadline + LAST_CHECK_MS, untilDeadline: true }),
	});
	return body === PAST_DEADLINE ? null : readAnswer(body, target.jobSetId);
}

export interface WaitOutcome {
	snapshot: JobSnapshot;
	timedOut: boolean;
	/** The error of the status checks still failing at the deadline, if they were. */
	lastProblem?: NodeApiError;
}

/**
 * Checks the job every poll interval until it ends or its deadline passes (the last check is
 * made at the deadline). Checks of accepted jobs take turns with the submits of later items
 * (see Pacer), so a job is checked on time however big the batch. `shouldStop` ends the wait
 * early (another item failed and the run is ending), returning the last state seen.
 */
export async function waitForJob(
	t: Transport,
	target: PollTarget,
	first: JobSnapshot,
	deadline: number,
	shouldStop: () => boolean,
): Promise<WaitOutcome> {
	let snapshot = first;
	let lastProblem: NodeApiError | undefined;
	while (snapshot.state === 'running') {
		const left = deadline - Date.now();
		if (left <= 0 || shouldStop()) return { snapshot, timedOut: left <= 0 };
		await t.waiter.wait(Math.min(target.options.pollIntervalMs, left));
		if (shouldStop()) return { snapshot, timedOut: false };
		// The last failure stands until a check is answered: a deadline that comes while the next
		// try waits for its slot still ends with the API's error.
		const next = await pollOnce(t, target, deadline, (problem) => (lastProblem = problem));
		if (next === null) return { snapshot, timedOut: true, lastProblem };
		lastProblem = undefined;
		snapshot = next;
	}
	return { snapshot, timedOut: false };
}
