import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { Endpoint } from './retryPolicy';
import { neverSent } from './retryPolicy';

export interface FailureContext {
	endpoint: Endpoint;
	itemIndex: number;
	jobSetId?: string;
	/** Host the request went to: named in connection errors, never with credentials. */
	host: string;
	retries: number;
}

const SUBMIT_NOT_RESENT =
	'The request was not sent again, because the API may have created the job anyway: look in your Pixazo dashboard before running the node again.';

/** The API's own words, from a JSON body or, for an HTML or text page, its visible text. */
export function describeBody(body: unknown): string {
	if (body && typeof body === 'object') {
		const o = body as Record<string, unknown>;
		const words = [o.error, o.message, o.details, o.reason].filter(
			(v): v is string => typeof v === 'string' && v.trim() !== '',
		);
		if (words.length > 0) return words.join(': ');
		return JSON.stringify(body).slice(0, 300);
	}
	if (typeof body !== 'string' || body.trim() === '') return '';
	const text = body
		.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
		.replace(/<[^>]+>/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
	return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** A failed status check names its job, so the user can fetch it later. */
function withJob(description: string, ctx: FailureContext): string {
	if (ctx.endpoint !== 'poll' || !ctx.jobSetId || description.includes(ctx.jobSetId))
		return description;
	return `${description} Job Set ID: ${ctx.jobSetId}.`;
}

function looksLikeHtml(body: unknown): boolean {
	return typeof body === 'string' && /^\s*<(!doctype|html|head|body|\?xml)/i.test(body);
}

const STATUS_TEXT: Record<number, { message: string; description: string }> = {
	400: {
		message: 'The Pixazo API rejected the request as invalid (400)',
		description:
			'Check the prompt, the image and mask URLs (they must be public http(s) links) and the numbers under Additional Fields.',
	},
	401: {
		message: 'The subscription key was rejected (401)',
		description:
			'Check the Subscription Key in the Pixazo API credential: copy it again from your Pixazo dashboard.',
	},
	403: {
		message: 'The subscription has no access to this API (403)',
		description:
			'Subscribe your key to the Stable Diffusion Inpainting API in the Pixazo dashboard, or use a key that has access.',
	},
	429: {
		message: 'The Pixazo rate limit was exceeded (429)',
		description:
			'The node slows down by itself when the API answers 429. Try again later, or process fewer items per run.',
	},
};

function statusText(status: number, ctx: FailureContext): { message: string; description: string } {
	if (status === 404) {
		return ctx.endpoint === 'poll'
			? {
					message: `Job set ${ctx.jobSetId ?? ''} was not found (404)`.replace('  ', ' '),
					description:
						'Check the Job Set ID (it comes from a Submit run). Results may have expired, or the Polling Base URL in the credential may be wrong.',
				}
			: {
					message: 'The Pixazo endpoint was not found (404)',
					description:
						'Check the Submit Base URL in the Pixazo API credential; the default is the vendor gateway.',
				};
	}
	if (STATUS_TEXT[status]) return STATUS_TEXT[status];
	if (status >= 500) {
		return {
			message: `The Pixazo API failed with a server error (${status})`,
			description:
				ctx.endpoint === 'submit'
					? SUBMIT_NOT_RESENT
					: 'The service is having trouble; try again in a few minutes.',
		};
	}
	return {
		message: `The Pixazo API answered with HTTP ${status}`,
		description:
			'This status is not documented by the API; try again, and check the request fields.',
	};
}

export function httpError(
	node: INode,
	status: number,
	body: unknown,
	ctx: FailureContext,
): NodeApiError {
	const base = statusText(status, ctx);
	const said = describeBody(body);
	const kind = looksLikeHtml(body)
		? 'an HTML page'
		: body === '' || body === undefined
			? 'an empty body'
			: '';
	const retried = ctx.retries > 0 ? ` Tried ${ctx.retries + 1} times.` : '';
	const description = [
		base.description,
		said ? `The API said: ${said}` : kind ? `The API answered with ${kind}.` : '',
		retried.trim(),
	]
		.filter(Boolean)
		.join(' ');
	// Detail keys avoid "status" and "code": n8n would read them as the error's code.
	const details: JsonObject = { httpStatus: status, endpoint: ctx.endpoint, apiMessage: said };
	if (ctx.jobSetId) details.jobSetId = ctx.jobSetId;
	return new NodeApiError(node, details, {
		message: base.message,
		description: withJob(description, ctx),
		httpCode: String(status),
		itemIndex: ctx.itemIndex,
	});
}

export function badBodyError(
	node: INode,
	problem: string,
	body: unknown,
	ctx: FailureContext,
): NodeApiError {
	const said = describeBody(body);
	const details: JsonObject = { endpoint: ctx.endpoint, problem };
	if (ctx.jobSetId) details.jobSetId = ctx.jobSetId;
	const advice =
		ctx.endpoint === 'submit'
			? SUBMIT_NOT_RESENT
			: 'The job may still finish: fetch it later with Get Results.';
	return new NodeApiError(node, details, {
		message: `The Pixazo API sent an answer the node cannot use: ${problem}`,
		description: withJob(
			[advice, said ? `The body began with: ${said.slice(0, 200)}` : ''].filter(Boolean).join(' '),
			ctx,
		),
		itemIndex: ctx.itemIndex,
	});
}

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
