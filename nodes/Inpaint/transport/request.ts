import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type IN8nHttpFullResponse,
	type NodeApiError,
} from 'n8n-workflow';

import type { FailureContext } from './apiErrors';
import {
	badBodyError,
	httpError,
	networkError,
	redirectError,
	submitGaveUpError,
} from './apiErrors';
import type { Verdict } from './hostPace';
import type { Pacer } from './pacer';
import { PAST_DEADLINE } from './pacer';
import type { RequestPolicy } from './policy';
import { bodyAsText, networkCodeOf, parseJsonBody, redirectTarget } from './responses';
import {
	backoffMs,
	isRetryableNetworkError,
	isRetryableStatus,
	parseRetryAfter,
} from './retryPolicy';
import type { Waiter } from './waiter';

export const CREDENTIAL_TYPE = 'pixazoApi';

const MAX_BACKOFF_MS = 30_000;
/** While a job is waited out until its deadline, a failing check is tried again at least this often. */
const PERSIST_BACKOFF_MS = 10_000;

/** What every request of one execution shares. */
export interface Transport {
	fx: IExecuteFunctions;
	pacer: Pacer;
	waiter: Waiter;
}

export interface ApiCall {
	endpoint: 'submit' | 'poll';
	url: string;
	body: IDataObject;
	itemIndex: number;
	jobSetId?: string;
	policy: RequestPolicy;
	/** Status checks: give up at this time (the job's deadline), returning PAST_DEADLINE. */
	deadline?: () => number;
	/** Submits: how long one the API keeps refusing with 429 is tried, from its first send. */
	patienceMs?: number;
	/** Retry what is safe to retry until the deadline, not Max Retries times (waiting for a job). */
	untilDeadline?: boolean;
	/** Read before every send: true ends the call unsent (the run is stopping). */
	stopped?: () => boolean;
	/** Told what went wrong each time a request is tried again (the error to give at the deadline). */
	onRetry?: (problem: NodeApiError) => void;
}

/** Thrown instead of sending when the run is stopping: the item was never sent. */
export class RunStopped extends NodeOperationError {}

/**
 * POSTs to the API with the credential's key, paced by the execution's Pacer, and retries only
 * what is safe to retry (see retryPolicy): a submit only when the API certainly did not take it.
 * Returns the JSON object the API answered with, or PAST_DEADLINE for a status check whose
 * deadline came first. Redirects are not followed: the key goes to the credential's URLs only.
 */
export async function callApi(
	t: Transport,
	call: ApiCall,
): Promise<IDataObject | typeof PAST_DEADLINE> {
	const node = t.fx.getNode();
	const host = new URL(call.url).host;
	const lane = call.endpoint === 'submit' ? 'submit' : 'check';
	const ctx: FailureContext = {
		endpoint: call.endpoint,
		itemIndex: call.itemIndex,
		jobSetId: call.jobSetId,
		host,
		retries: 0,
	};
	const patience = call.patienceMs ?? Infinity;
	let firstSentAt = Infinity;
	// A refused submit is tried until its patience has run out since it was first sent, and no
	// submit waits longer than that for a host that has taken nothing in that time.
	const deadline =
		call.endpoint === 'submit'
			? () => Math.min(firstSentAt + patience, t.pacer.lastAcceptedAt(host) + patience)
			: (call.deadline ?? (() => Infinity));
	let limited = false;
	// A request tried again keeps its place in line, ahead of those that came after it.
	const order = t.pacer.nextOrder();
	const request: IHttpRequestOptions = {
		method: 'POST',
		url: call.url,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: JSON.stringify(call.body),
		encoding: 'text',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
	};
	const giveUp = (): typeof PAST_DEADLINE => {
		if (call.endpoint !== 'submit') return PAST_DEADLINE;
		throw submitGaveUpError(node, ctx, limited, patience);
	};
	/** Waits before a retry; false (after waiting until the deadline) when the deadline comes first. */
	const pause = async (ms: number): Promise<boolean> => {
		const left = deadline() - Date.now();
		if (ms >= left) {
			await t.waiter.wait(left);
			return false;
		}
		await t.waiter.wait(ms);
		return true;
	};
	const backoff = (attempt: number) =>
		backoffMs(
			attempt,
			call.policy.retryDelayMs,
			call.untilDeadline ? PERSIST_BACKOFF_MS : MAX_BACKOFF_MS,
		);

	for (let attempt = 0; ; attempt++) {
		ctx.retries = attempt;
		const mayRetry = call.untilDeadline === true || attempt < call.policy.maxRetries;
		const lease = await t.pacer.acquire(host, lane, deadline, order);
		if (lease === PAST_DEADLINE) return giveUp();
		let verdict: Verdict = 'accepted';
		let pauseMs = 0;
		let response: IN8nHttpFullResponse | undefined;
		let networkCode: string | undefined;
		// An answer is not awaited far past the deadline either (a second at least, for the last check).
		const timeout = Math.min(call.policy.requestTimeoutMs, Math.max(1000, deadline() - Date.now()));
		if (call.stopped?.()) {
			lease.settle('unused');
			throw new RunStopped(node, 'The run stopped before this item was sent');
		}
		try {
			firstSentAt = Math.min(firstSentAt, lease.sentAt);
			response = (await t.fx.helpers.httpRequestWithAuthentication.call(t.fx, CREDENTIAL_TYPE, {
				...request,
				timeout,
			})) as IN8nHttpFullResponse;
			if (response.statusCode === 429) {
				verdict = 'limited';
				limited = true;
				const asked = parseRetryAfter(response.headers?.['retry-after']);
				pauseMs = Math.min(asked ?? 0, call.policy.maxRetryAfterMs);
			} else if (response.statusCode >= 500) {
				verdict = 'failed';
			}
		} catch (error) {
			verdict = 'failed';
			// A cancelled execution aborts the request: stop here instead of retrying.
			t.waiter.throwIfCancelled();
			networkCode = networkCodeOf(error) ?? 'ECONNRESET';
		} finally {
			lease.settle(verdict, pauseMs);
		}

		if (networkCode !== undefined || !response) {
			const code = networkCode ?? 'ECONNRESET';
			// The original error is dropped on purpose: it carries the request headers, key included.
			const error = networkError(node, code, timeout, ctx);
			if (!mayRetry || !isRetryableNetworkError(call.endpoint, code)) throw error;
			call.onRetry?.(error);
			t.fx.logger.debug(`Pixazo ${call.endpoint}: ${code}, retrying`, {
				itemIndex: call.itemIndex,
				attempt,
			});
			if (!(await pause(backoff(attempt)))) return giveUp();
			continue;
		}
		const status = response.statusCode;
		const body = bodyAsText(response.body);
		if (status >= 200 && status < 300) {
			const json = parseJsonBody(body);
			if (json && typeof json === 'object' && !Array.isArray(json)) return json as IDataObject;
			const problem =
				body === undefined || String(body).trim() === ''
					? 'an empty body'
					: 'a body that is not a JSON object';
			const error = badBodyError(node, problem, body, ctx);
			if (!(mayRetry && call.endpoint === 'poll')) throw error;
			call.onRetry?.(error);
			if (!(await pause(backoff(attempt)))) return giveUp();
			continue;
		}
		if (status >= 300 && status < 400) {
			throw redirectError(node, status, redirectTarget(response.headers?.location, call.url), ctx);
		}
		// A 429 means the API did not take the request: a submit is tried again until its deadline.
		if (status === 429 && (mayRetry || call.endpoint === 'submit')) {
			t.fx.logger.debug(`Pixazo ${call.endpoint}: HTTP 429, pausing ${pauseMs} ms`, {
				itemIndex: call.itemIndex,
				attempt,
			});
			continue;
		}
		if (mayRetry && isRetryableStatus(call.endpoint, status)) {
			call.onRetry?.(httpError(node, status, parseJsonBody(body) ?? body, ctx));
			t.fx.logger.debug(`Pixazo ${call.endpoint}: HTTP ${status}, retrying`, {
				itemIndex: call.itemIndex,
				attempt,
			});
			if (!(await pause(backoff(attempt)))) return giveUp();
			continue;
		}
		throw httpError(node, status, parseJsonBody(body) ?? body, ctx);
	}
}
