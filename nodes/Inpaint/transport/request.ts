import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, IN8nHttpFullResponse } from 'n8n-workflow';

import type { Waiter } from '../helpers/cancellableSleep';
import type { RunOptions } from '../helpers/options';
import type { FailureContext } from './apiErrors';
import { badBodyError, httpError, networkError } from './apiErrors';
import type { RequestGate } from './gate';
import { PAST_DEADLINE } from './gate';
import type { Endpoint } from './retryPolicy';
import { backoffMs, isRetryableNetworkError, isRetryableStatus, parseRetryAfter } from './retryPolicy';

export const CREDENTIAL_TYPE = 'pixazoApi';

const MAX_BACKOFF_MS = 30_000;

/** What every request of one execution shares. */
export interface Transport {
	fx: IExecuteFunctions;
	gate: RequestGate;
	waiter: Waiter;
}

export interface ApiCall {
	endpoint: Exclude<Endpoint, 'download'>;
	url: string;
	body: IDataObject;
	itemIndex: number;
	jobSetId?: string;
	options: RunOptions;
}

const NETWORK_CODE = /^(E[A-Z_]+|ERR_[A-Z_]+|UND_ERR_[A-Z_]+)$/;

/**
 * Finds the network error code (ECONNRESET, ETIMEDOUT…) however n8n wrapped it: n8n 2.x keeps
 * the cause with its `code`; n8n 1.x keeps only `httpCode` and the original messages.
 */
export function networkCodeOf(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
		const { code, httpCode, message, messages } = current as Record<string, unknown>;
		const found = [code, httpCode].find((c): c is string => typeof c === 'string' && NETWORK_CODE.test(c));
		if (found) {
			const texts = [message, ...(Array.isArray(messages) ? messages : [])].filter((m) => typeof m === 'string');
			return found === 'ECONNABORTED' && texts.some((m) => /timeout/i.test(m as string)) ? 'TIMEOUT' : found;
		}
		current = (current as { cause?: unknown }).cause;
	}
	if (error instanceof Error && /timeout/i.test(error.message)) return 'TIMEOUT';
	return undefined;
}

/** JSON from a body that arrived as text, bytes or an already-parsed object; `undefined` when it is not JSON. */
export function parseJsonBody(body: unknown): unknown {
	if (body && typeof body === 'object' && !Buffer.isBuffer(body)) return body;
	const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
	if (text.trim() === '') return undefined;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

function bodyAsText(body: unknown): unknown {
	return Buffer.isBuffer(body) ? body.toString('utf8') : body;
}

/**
 * POSTs to the API with the credential's key, and retries only what is safe to retry
 * (see retryPolicy). Returns the JSON object the API answered with.
 */
export async function callApi(t: Transport, call: ApiCall): Promise<IDataObject> {
	return (await callApiBefore(t, call, Infinity)) as IDataObject;
}

/**
 * Like callApi, but gives up waiting (for a rate-limit pause, a backoff or an answer) at
 * `deadline`, returning PAST_DEADLINE: a job's timeout holds even while the API misbehaves.
 */
export async function callApiBefore(
	t: Transport,
	call: ApiCall,
	deadline: number,
): Promise<IDataObject | typeof PAST_DEADLINE> {
	const node = t.fx.getNode();
	const host = new URL(call.url).host;
	const ctx: FailureContext = {
		endpoint: call.endpoint,
		itemIndex: call.itemIndex,
		jobSetId: call.jobSetId,
		host,
		retries: 0,
	};
	const request: IHttpRequestOptions = {
		method: 'POST',
		url: call.url,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: JSON.stringify(call.body),
		encoding: 'text',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: call.options.requestTimeoutMs,
	};
	/** Waits before a retry, unless that would pass the deadline. */
	const pause = async (ms: number): Promise<boolean> => {
		if (Date.now() + ms >= deadline) {
			await t.waiter.wait(deadline - Date.now());
			return false;
		}
		await t.waiter.wait(ms);
		return true;
	};

	for (let attempt = 0; ; attempt++) {
		ctx.retries = attempt;
		const canRetry = attempt < call.options.maxRetries;
		// An answer is not awaited past the deadline either (at least a second, for the last check).
		const timeout = Math.min(call.options.requestTimeoutMs, Math.max(1000, deadline - Date.now()));
		let response: IN8nHttpFullResponse;
		try {
			const answer = await t.gate.run(
				host,
				async () =>
					(await t.fx.helpers.httpRequestWithAuthentication.call(t.fx, CREDENTIAL_TYPE, {
						...request,
						timeout,
					})) as IN8nHttpFullResponse,
				deadline,
			);
			if (answer === PAST_DEADLINE) return PAST_DEADLINE;
			response = answer;
		} catch (error) {
			// A cancelled execution aborts the request: stop here instead of retrying.
			t.waiter.throwIfCancelled();
			const code = networkCodeOf(error) ?? 'ECONNRESET';
			if (canRetry && isRetryableNetworkError(call.endpoint, code)) {
				t.fx.logger.debug(`Pixazo ${call.endpoint}: ${code}, retrying`, { itemIndex: call.itemIndex, attempt });
				if (await pause(backoffMs(attempt, call.options.retryDelayMs, MAX_BACKOFF_MS))) continue;
				return PAST_DEADLINE;
			}
			// The original error is dropped on purpose: it carries the request headers, key included.
			throw networkError(node, code, timeout, ctx);
		}

		const status = response.statusCode;
		const body = bodyAsText(response.body);
		if (status >= 200 && status < 300) {
			const json = parseJsonBody(body);
			if (json && typeof json === 'object' && !Array.isArray(json)) return json as IDataObject;
			const problem = body === undefined || String(body).trim() === '' ? 'an empty body' : 'a body that is not a JSON object';
			if (canRetry && call.endpoint === 'poll') {
				if (await pause(backoffMs(attempt, call.options.retryDelayMs, MAX_BACKOFF_MS))) continue;
				return PAST_DEADLINE;
			}
			throw badBodyError(node, problem, body, ctx);
		}

		if (canRetry && isRetryableStatus(call.endpoint, status)) {
			const asked = parseRetryAfter(response.headers?.['retry-after']);
			const delay =
				asked !== undefined
					? Math.min(asked, call.options.maxRetryAfterMs)
					: backoffMs(attempt, call.options.retryDelayMs, MAX_BACKOFF_MS);
			if (status === 429) t.gate.pauseHost(host, Date.now() + delay);
			t.fx.logger.debug(`Pixazo ${call.endpoint}: HTTP ${status}, retrying in ${delay} ms`, {
				itemIndex: call.itemIndex,
				attempt,
			});
			if (await pause(delay)) continue;
			return PAST_DEADLINE;
		}
		throw httpError(node, status, parseJsonBody(body) ?? body, ctx);
	}
}
