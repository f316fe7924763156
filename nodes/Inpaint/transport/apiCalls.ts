import type { IDataObject, IHttpRequestOptions, NodeApiError } from 'n8n-workflow';

import { apiError } from './errors/apiErrors';
import { submitGaveUpError } from './errors/connectionErrors';
import type { FailureContext } from './errors/errorWords';
import { bodyAsText, parseJsonBody } from './httpAnswers';
import type { NodeRun } from './nodeRun';
import type { GiveUp, Request, RequestPolicy, Tried } from './request';
import { send } from './send';

interface ApiCall {
	url: string;
	itemIndex: number;
	policy: RequestPolicy;
}

/** A status check waited out until the job's deadline: the answer (and when it was sent), or none in time. */
type TimedCheck =
	| { answer: IDataObject; sentAt: number }
	| { late: true; lastProblem?: NodeApiError };

/**
 * POST /getImage: the API's answer, or an error. A submit is sent again only when the API
 * certainly did not take it; a 429 is tried again until `patienceMs` has passed since its first
 * send (or since the host last took anything).
 */
export async function postSubmit(
	run: NodeRun,
	call: ApiCall & { body: IDataObject; patienceMs: number },
): Promise<IDataObject> {
	const giveUp = { patienceMs: call.patienceMs };
	const request = apiRequest(run, call, 'submit', call.body, giveUp, (answer) => answer);
	return await send(run, request, (late) => {
		const ctx = failureContext(call, 'submit', late.tries);
		throw submitGaveUpError(run.context.getNode(), ctx, late.limited, call.patienceMs);
	});
}

/** One POST /getGenerationResults, tried again up to Max Retries times. */
export async function checkStatus(
	run: NodeRun,
	call: ApiCall & { jobSetId: string },
): Promise<IDataObject> {
	const body = { job_set_id: call.jobSetId };
	const giveUp = { after: 'maxRetries' } as const;
	return await send(
		run,
		apiRequest(run, call, 'statusCheck', body, giveUp, (answer) => answer),
	);
}

/**
 * A status check of a job being waited for: whatever is safe to retry (429, 5xx, timeouts,
 * dropped connections, unusable bodies) is tried again until `until`; then it is late, with
 * the last problem seen.
 */
export async function checkStatusUntil(
	run: NodeRun,
	call: ApiCall & { jobSetId: string },
	until: number,
): Promise<TimedCheck> {
	const body = { job_set_id: call.jobSetId };
	const request = apiRequest(run, call, 'statusCheck', body, { at: until }, (answer, sentAt) => ({
		answer,
		sentAt,
	}));
	return await send(run, request, ({ lastFailure, tries }): TimedCheck => {
		const ctx = failureContext(call, 'statusCheck', tries - 1);
		const lastProblem = lastFailure ? apiError(run.context.getNode(), lastFailure, ctx) : undefined;
		return { late: true, lastProblem };
	});
}

/** What an error of this call names: the endpoint, the item, the job, the host, the retries. */
export function failureContext(
	call: Pick<ApiCall, 'url' | 'itemIndex'> & { jobSetId?: string },
	kind: 'submit' | 'statusCheck',
	retries: number,
): FailureContext {
	return {
		endpoint: kind === 'submit' ? 'submit' : 'poll',
		itemIndex: call.itemIndex,
		jobSetId: call.jobSetId,
		host: new URL(call.url).host,
		url: call.url,
		retries: Math.max(0, retries),
	};
}

const JSON_POST: IHttpRequestOptions = {
	url: '',
	method: 'POST',
	headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
	encoding: 'text',
	json: false,
	ignoreHttpStatusErrors: true,
	// The key goes to the credential's URLs only: a redirect is reported, not followed.
	disableFollowRedirect: true,
};

/** A POST of `body` as JSON, whose answer must be a JSON object (handed to `shape`). */
function apiRequest<T>(
	run: NodeRun,
	call: ApiCall & { jobSetId?: string },
	kind: 'submit' | 'statusCheck',
	body: IDataObject,
	giveUp: GiveUp,
	shape: (answer: IDataObject, sentAt: number) => T,
): Request<T> {
	return {
		kind,
		url: call.url,
		itemIndex: call.itemIndex,
		http: { ...JSON_POST, body: JSON.stringify(body) },
		withKey: true,
		policy: call.policy,
		giveUp,
		read: (response, sentAt) => {
			const read = readJsonObject(response.body);
			return 'value' in read ? { value: shape(read.value, sentAt) } : read;
		},
		describe: (failure, tries) =>
			apiError(run.context.getNode(), failure, failureContext(call, kind, tries)),
	};
}

function readJsonObject(body: unknown): Tried<IDataObject> {
	const text = bodyAsText(body);
	const json = parseJsonBody(text);
	if (json && typeof json === 'object' && !Array.isArray(json))
		return { value: json as IDataObject };
	const problem =
		text === undefined || String(text).trim() === ''
			? 'an empty body'
			: 'a body that is not a JSON object';
	return { failure: { kind: 'unreadable', problem, body: text } };
}
