import type { NodeApiError } from 'n8n-workflow';

import type { JobSnapshot } from '../helpers/jobAnswer';
import { parseJobAnswer } from '../helpers/jobAnswer';
import { LAST_CHECK_MS, REPLAN_MS } from '../helpers/tuning';
import { checkStatus, checkStatusUntil } from '../transport/apiCalls';
import type { CheckPlan, CheckTiming } from './checkTiming';
import type { ItemRun } from './itemRun';

/** One status check of the job, tried again up to Max Retries times (Get Results). */
export async function checkJobOnce(item: ItemRun, jobSetId: string): Promise<JobSnapshot> {
	const answer = await checkStatus(item.run, {
		url: item.endpoints.pollUrl,
		jobSetId,
		itemIndex: item.itemIndex,
		policy: item.options,
	});
	return parseJobAnswer(answer, jobSetId);
}

export interface WaitOutcome {
	snapshot: JobSnapshot;
	timedOut: boolean;
	/** The error of the status checks still failing at the deadline, if they were. */
	lastProblem?: NodeApiError;
}

/**
 * Checks a running job until it ends or its Job Timeout has passed since `since` (the last check
 * is made at the deadline). With `timing` (a submitted job), the first check comes when jobs of
 * its kind are likely done; then, as without it, one every Poll Interval. Ends early, returning
 * the last state seen, when the run is stopping.
 */
export async function waitForJob(
	item: ItemRun,
	first: JobSnapshot,
	since: number,
	timing?: CheckTiming,
): Promise<WaitOutcome> {
	const { run, options } = item;
	const jobSetId = first.jobSetId ?? '';
	const deadline = since + options.timeoutMs;
	const interval = options.pollIntervalMs;
	let plan: CheckPlan | undefined;
	let checkedOnce = false;
	let nextAt: number | undefined = timing ? undefined : Date.now() + interval;
	let lastRunningAt: number | undefined;
	let waited = false;
	let snapshot = first;
	try {
		for (;;) {
			if (run.stopping) return { snapshot, timedOut: false };
			if (timing && !checkedOnce) {
				// Until its first check a job asks again, each REPLAN_MS, when its kind's jobs are done.
				plan ??= timing.plan(Date.now(), waited);
				waited = true;
				if (plan) nextAt = since + timing.firstCheckAfter(plan, interval, since);
			}
			const lookAgainAt = timing && !checkedOnce ? Date.now() + REPLAN_MS : Infinity;
			const checkAt = Math.min(nextAt ?? Infinity, lookAgainAt, deadline);
			await run.waiter.wait(checkAt - Date.now());
			if (run.stopping) return { snapshot, timedOut: false };
			if ((nextAt === undefined || Date.now() < nextAt) && Date.now() < deadline) continue;
			const answer = await checkStatusUntil(
				run,
				{ url: item.endpoints.pollUrl, jobSetId, itemIndex: item.itemIndex, policy: options },
				deadline + LAST_CHECK_MS,
			);
			checkedOnce = true;
			if ('late' in answer) return { snapshot, timedOut: true, lastProblem: answer.lastProblem };
			const answeredAt = Date.now();
			snapshot = parseJobAnswer(answer.answer, jobSetId);
			if (snapshot.state !== 'running') {
				if (plan)
					timing?.finishedJob(
						{ role: plan.role, lastRunningAt, doneAt: answeredAt - since },
						interval,
						answeredAt,
					);
				return { snapshot, timedOut: false };
			}
			if (answeredAt >= deadline) return { snapshot, timedOut: true };
			lastRunningAt = answeredAt - since;
			// The next check an interval after this one was sent: never sooner, never much later.
			nextAt = answer.sentAt + interval;
		}
	} finally {
		if (plan?.role === 'scout') timing?.scoutEnded();
	}
}
