import type { IN8nHttpFullResponse } from 'n8n-workflow';

import { CREDENTIAL_NAME } from '../../../credentials/PixazoApi.credentials';
import { MIN_REQUEST_TIMEOUT_MS } from '../helpers/tuning';
import { networkCodeOf, statusFailure } from './httpAnswers';
import type { NodeRun } from './nodeRun';
import type { Request, Tried } from './request';
import type { Failure } from './retryRules';

/** Sends the request once and reads the answer. */
export async function tryOnce<T>(
	run: NodeRun,
	request: Request<T>,
	deadline: number,
	sentAt: number,
): Promise<Tried<T>> {
	// An answer is not awaited far past the deadline either.
	const timeout = Math.min(
		request.policy.requestTimeoutMs,
		Math.max(MIN_REQUEST_TIMEOUT_MS, deadline - Date.now()),
	);
	const response = await sendOnce(run, request, timeout);
	if ('failure' in response) return response;
	if (response.statusCode >= 200 && response.statusCode < 300)
		return await request.read(response, sentAt);
	// Let a streamed body that is not wanted flow away, so its connection is freed.
	(response.body as { resume?: () => void } | undefined)?.resume?.();
	return { failure: statusFailure(response) };
}

async function sendOnce<T>(
	run: NodeRun,
	request: Request<T>,
	timeout: number,
): Promise<IN8nHttpFullResponse | { failure: Failure }> {
	const { context } = run;
	const options = { ...request.http, url: request.url, timeout, returnFullResponse: true };
	let sent: Promise<IN8nHttpFullResponse>;
	if (request.withKey)
		sent = context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_NAME, options);
	else sent = context.helpers.httpRequest(options);
	// The error itself is dropped on purpose: it carries the request headers, key included.
	const answer = await sent.then(
		(response) => response,
		(error: unknown) => ({ code: networkCodeOf(error) ?? 'ECONNRESET' }),
	);
	if ('statusCode' in answer) return answer;
	// A cancelled execution aborts the request: stop here instead of trying again.
	run.waiter.throwIfCancelled();
	if (request.http.abortSignal?.aborted) return { failure: { kind: 'stopped' } };
	return { failure: { kind: 'network', code: answer.code, timeoutMs: timeout } };
}
