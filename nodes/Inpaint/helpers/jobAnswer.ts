import type { IDataObject } from 'n8n-workflow';

/** One result image as the node outputs it. Extra fields the API sent are kept. */
interface ResultImage extends IDataObject {
	imageUrl: string | null;
	jobId: string | null;
}

type JobState = 'succeeded' | 'failed' | 'running';

/** The API's answer, reduced to what the node acts on; `raw` is the body unchanged. */
export interface JobSnapshot {
	state: JobState;
	/** The status word as the API wrote it ("pending" when it wrote none). */
	status: string;
	jobSetId: string | null;
	results: ResultImage[];
	reason: string | null;
	raw: IDataObject;
}

const FAILED = new Set(['failed', 'failure', 'error', 'errored', 'cancelled', 'canceled']);
const SUCCEEDED = new Set([
	'succeeded',
	'success',
	'successful',
	'completed',
	'complete',
	'done',
	'finished',
]);

function text(value: unknown): string | null {
	if (typeof value === 'string' && value.trim() !== '') return value.trim();
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return null;
}

function firstText(o: IDataObject, keys: string[]): string | null {
	for (const key of keys) {
		const found = text(o[key]);
		if (found) return found;
	}
	return null;
}

const URL_KEYS = ['imageUrl', 'image_url', 'url', 'imageURL'];

function toResult(entry: unknown): ResultImage | null {
	if (typeof entry === 'string') return { imageUrl: text(entry), jobId: null };
	if (!entry || typeof entry !== 'object') return null;
	const o = entry as IDataObject;
	const rest: IDataObject = {};
	for (const [key, value] of Object.entries(o)) {
		if (!URL_KEYS.includes(key) && key !== 'job_id' && key !== 'jobId') rest[key] = value;
	}
	return {
		...rest,
		imageUrl: firstText(o, URL_KEYS),
		jobId: firstText(o, ['job_id', 'jobId', 'id']),
	};
}

function resultsOf(body: IDataObject): ResultImage[] {
	const list = body.results ?? body.images ?? body.output;
	const results = Array.isArray(list)
		? list.map(toResult).filter((r): r is ResultImage => r !== null)
		: [];
	const top = firstText(body, URL_KEYS);
	if (results.length === 0 && top)
		results.push({ imageUrl: top, jobId: firstText(body, ['job_id', 'jobId']) });
	return results;
}

function reasonOf(body: IDataObject): string | null {
	const direct = firstText(body, [
		'error',
		'message',
		'reason',
		'detail',
		'details',
		'failure_reason',
	]);
	if (direct) return direct;
	if (body.error && typeof body.error === 'object')
		return firstText(body.error as IDataObject, ['message', 'reason']);
	return null;
}

function hasValue(value: unknown): boolean {
	return value !== undefined && value !== null && value !== '' && value !== false;
}

function classify(status: string): JobState {
	if (SUCCEEDED.has(status)) return 'succeeded';
	if (FAILED.has(status)) return 'failed';
	return 'running';
}

/**
 * Reads an answer of either endpoint: an image now (`{ imageUrl }`), a job to poll
 * (`{ job_set_id }`), a job's status, or a refusal inside a 200 (`{ success: false }`).
 * The API documents little; known variants of each field are accepted.
 */
export function parseJobAnswer(
	body: IDataObject,
	knownJobSetId: string | null = null,
): JobSnapshot {
	const jobSetId = firstText(body, ['job_set_id', 'jobSetId', 'jobset_id']) ?? knownJobSetId;
	const results = resultsOf(body);
	const statusWord = text(body.status)?.toLowerCase() ?? null;
	let state: JobState;
	if (statusWord) state = classify(statusWord);
	// `error: null` (or empty) is the absence of an error, not a failure.
	else if (body.success === false || (hasValue(body.error) && results.length === 0))
		state = 'failed';
	else if (results.length > 0) state = 'succeeded';
	else state = 'running';
	return {
		state,
		status: statusWord ?? (state === 'running' ? 'pending' : state),
		jobSetId,
		results,
		reason: state === 'failed' ? reasonOf(body) : null,
		raw: body,
	};
}
