import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { networkError, redirectError } from './connectionErrors';
import type { FailureContext } from './errorWords';
import { describeBody, SUBMIT_NOT_RESENT, withJob } from './errorWords';
import { redirectTarget } from '../httpAnswers';
import type { Failure } from '../retryRules';

/** The error for an API call that failed for good. */
export function apiError(node: INode, failure: Failure, ctx: FailureContext): NodeApiError {
	switch (failure.kind) {
		case 'network':
			return networkError(node, failure.code, failure.timeoutMs, ctx);
		case 'unreadable':
			return badBodyError(node, failure.problem, failure.body, ctx);
		case 'rejected':
			return badBodyError(node, failure.message, undefined, ctx);
		case 'stopped':
			return badBodyError(node, 'the request was stopped', undefined, ctx);
		case 'status':
			if (failure.status >= 300 && failure.status < 400)
				return redirectError(node, failure.status, redirectTarget(failure.location, ctx.url), ctx);
			if (failure.quota) return quotaError(node, failure.quota.renewsInMs, failure.body, ctx);
			return httpError(node, failure.status, failure.body, ctx);
	}
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

function httpError(node: INode, status: number, body: unknown, ctx: FailureContext): NodeApiError {
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

/** "59 min 12 s", "2 h 5 min", "30 s". */
function inWords(ms: number): string {
	const s = Math.round(ms / 1000);
	if (s < 60) return `${s} s`;
	const m = Math.floor(s / 60);
	if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
	return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`;
}

/** A 403 saying the subscription's quota is used up: not a key without access. */
function quotaError(
	node: INode,
	renewsInMs: number | undefined,
	body: unknown,
	ctx: FailureContext,
): NodeApiError {
	const when = renewsInMs === undefined ? 'later' : `in ${inWords(renewsInMs)}`;
	const said = describeBody(body);
	const details: JsonObject = { httpStatus: 403, endpoint: ctx.endpoint, apiMessage: said };
	if (ctx.jobSetId) details.jobSetId = ctx.jobSetId;
	return new NodeApiError(node, details, {
		message: `The subscription's quota is used up; it renews ${when} (403)`,
		description: withJob(
			`Nothing more is sent to ${ctx.host} by this run. Run the workflow again once the quota has renewed, or raise the quota in your Pixazo dashboard.${said ? ` The API said: ${said}` : ''}`,
			ctx,
		),
		httpCode: '403',
		itemIndex: ctx.itemIndex,
	});
}
