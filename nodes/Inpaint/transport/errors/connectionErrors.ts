import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { FailureContext } from './errorWords';
import { SUBMIT_NOT_RESENT, withJob } from './errorWords';
import { neverSent } from '../retryRules';

/** Words for a network error code: n8n swaps a message that contains the bare code for its own. */
const NETWORK_WORDS: Record<string, string> = {
	ECONNREFUSED: 'the connection was refused',
	ECONNRESET: 'the connection was closed',
	ENOTFOUND: 'the host name was not found',
	EAI_AGAIN: 'the host name could not be looked up',
	EHOSTUNREACH: 'the host is unreachable',
	EPIPE: 'the connection broke',
};

export function networkError(
	node: INode,
	code: string,
	timeoutMs: number,
	ctx: FailureContext,
): NodeApiError {
	const timedOut = code === 'ETIMEDOUT' || code === 'ECONNABORTED' || code === 'TIMEOUT';
	const message = timedOut
		? `No answer from ${ctx.host} within ${timeoutMs / 1000} s`
		: `Could not reach the Pixazo API at ${ctx.host}: ${NETWORK_WORDS[code] ?? 'a network error'}`;
	const retried = ctx.retries > 0 ? ` Tried ${ctx.retries + 1} times.` : '';
	let description = timedOut
		? 'Raise Options > Request Timeout if the API is slow, or try again later.'
		: 'Check the base URLs in the Pixazo API credential, and the network or proxy between n8n and the API.';
	if (ctx.endpoint === 'submit' && !neverSent(code))
		description = `${SUBMIT_NOT_RESENT} ${description}`;
	const details: JsonObject = { networkCode: code, endpoint: ctx.endpoint };
	if (ctx.jobSetId) details.jobSetId = ctx.jobSetId;
	return new NodeApiError(node, details, {
		message,
		description: withJob(`${description}${retried} (Network error code: ${code}.)`, ctx),
		itemIndex: ctx.itemIndex,
	});
}

/**
 * A 3xx from the API: not followed, so the key never reaches a host the credential does not name.
 * A submit may have been taken before the redirect: that is said, and nothing is sent again.
 */
export function redirectError(
	node: INode,
	status: number,
	targetHost: string | null,
	ctx: FailureContext,
): NodeApiError {
	const where = targetHost ? ` to ${targetHost}` : '';
	const details: JsonObject = {
		httpStatus: status,
		endpoint: ctx.endpoint,
		redirectHost: targetHost ?? '',
	};
	if (ctx.jobSetId) details.jobSetId = ctx.jobSetId;
	const advice = `The node does not follow redirects, so your subscription key goes only to the base URLs in the Pixazo API credential (${ctx.host}). If the API has moved, put its new address in the credential.`;
	return new NodeApiError(node, details, {
		message: `The Pixazo API answered ${status} with a redirect${where}, which the node does not follow`,
		description: withJob(
			ctx.endpoint === 'submit' ? `${advice} ${SUBMIT_NOT_RESENT}` : advice,
			ctx,
		),
		httpCode: String(status),
		itemIndex: ctx.itemIndex,
	});
}

/** A submit the API refused with 429 until its Job Timeout ran out: no job was created. */
export function submitGaveUpError(
	node: INode,
	ctx: FailureContext,
	limited: boolean,
	patienceMs: number,
): NodeApiError {
	const seconds = Math.round(patienceMs / 1000);
	const details: JsonObject = { endpoint: ctx.endpoint, httpStatus: limited ? 429 : 0 };
	return new NodeApiError(node, details, {
		message: limited
			? `The Pixazo rate limit kept refusing this item for ${seconds} s (429)`
			: `The Pixazo API took no request for ${seconds} s, so this item was not sent`,
		description: `No job was created for this item: run it again later. The node slowed down and retried by itself${ctx.retries > 0 ? ` (${ctx.retries + 1} tries)` : ''}; the wait is bounded by Options > Job Timeout.`,
		httpCode: limited ? '429' : undefined,
		itemIndex: ctx.itemIndex,
	});
}
