// The contract check: what the node relies on in the API's answers (/work/shared/API.md, the
// node's answer reader), checked against whatever answers at the configured base URLs: the real
// API (npm run test:live), the simulator (test/tooling/liveCheck.test.mts), or any fake of it.
// Each check throws a ContractError that names the field or the word that is not as documented,
// and says how the node itself would read the answer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { nodeReads } from './node-reader.mjs';
import { ROOT } from './settings.mjs';

/** The cases of the live check, in order. Their names are what a run reports. */
export const CASES = Object.freeze({
	credential: 'the credential test passes with the key and asks only the polling endpoint',
	wrongKey: 'a wrong key gets 401 with the documented body',
	submit: 'a submit is answered with an image or a job',
	running: 'a status answer while the job runs',
	done: 'a status answer when the job is done',
	download: 'the result image downloads without the key',
});

/** A made-up key, surely refused. */
export const WRONG_KEY = 'n8n-live-check-not-a-key';

/** The answer's documented words: field names and values the node reads. */
const REJECTED_KEY_ERROR = 'Invalid or missing authentication';
const DONE_STATUS = 'succeeded';

/** At most this long for the one job, checked every 0.25 s at first, then up to every 2 s. */
export const JOB_DEADLINE_MS = 180_000;
const FIRST_PAUSE_MS = 250;
const MAX_PAUSE_MS = 2000;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

export class ContractError extends Error {
	override name = 'ContractError';
}

export interface Answer {
	status: number;
	contentType: string | null;
	text: string;
	body: Record<string, unknown> | null; // a JSON object, else null
}

export interface Target {
	key: string;
	submitBaseUrl: string;
	pollBaseUrl: string;
}

/** The one job a live run sends: the example workflow's prompt and public images, small. */
export function smallJob(): Record<string, unknown> {
	const workflow = JSON.parse(
		readFileSync(join(ROOT, 'examples', 'inpaint-dog-to-lion.workflow.json'), 'utf8'),
	) as { nodes: { type: string; parameters: Record<string, any> }[] };
	const {
		prompt,
		imageUrl,
		maskUrl,
		additionalFields: extra,
	} = workflow.nodes.find((n) => n.type.endsWith('.inpaint'))!.parameters;
	return {
		prompt,
		imageUrl,
		maskUrl,
		negative_prompt: extra.negativePrompt,
		width: 512,
		height: 512,
		num_steps: 10,
		guidance: extra.guidance,
		seed: extra.seed,
	};
}

/** fetch, with a network failure or a timeout said plainly (the URL and the cause). */
async function reach(url: string, init: RequestInit = {}): Promise<Response> {
	try {
		return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
	} catch (err) {
		const e = err as Error & { cause?: { code?: string; message?: string } };
		const why =
			e.name === 'TimeoutError'
				? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
				: (e.cause?.code ?? e.cause?.message ?? e.message);
		throw new ContractError(`could not reach ${url}: ${why}`);
	}
}

export async function postJson(url: string, key: string, body: unknown): Promise<Answer> {
	const res = await reach(url, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', 'Ocp-Apim-Subscription-Key': key },
		body: JSON.stringify(body),
		redirect: 'manual', // the key goes to these URLs only
	});
	const text = await res.text();
	let body_: Record<string, unknown> | null = null;
	try {
		const parsed = JSON.parse(text);
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body_ = parsed;
	} catch {
		// not JSON: body stays null, the checks name what came instead
	}
	return { status: res.status, contentType: res.headers.get('content-type'), text, body: body_ };
}

export const submit = (t: Target, job: Record<string, unknown>) =>
	postJson(`${t.submitBaseUrl}/getImage`, t.key, job);
export const poll = (t: Target, jobSetId: string, key = t.key) =>
	postJson(`${t.pollBaseUrl}/getGenerationResults`, key, { job_set_id: jobSetId });

/** `"a", "b"` (or `no fields`) for messages. */
function fieldsOf(body: Record<string, unknown>): string {
	const keys = Object.keys(body);
	return keys.length ? `it has ${keys.map((k) => `"${k}"`).join(', ')}` : 'it has no fields';
}

function snippet(text: string): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty)';
}

/** How the node would take this answer, for the end of a message. */
function nodeView(body: Record<string, unknown>, jobSetId: string | null = null): string {
	const r = nodeReads(body, jobSetId);
	const images = r.results.filter((x) => x.imageUrl).length;
	return `the node would read it as ${r.state} (status "${r.status}"${r.jobSetId ? `, job ${r.jobSetId}` : ''}, ${images} image URL${images === 1 ? '' : 's'})`;
}

/** A 200 with a JSON object, else a ContractError saying what came. */
function jsonObject(what: string, a: Answer): Record<string, unknown> {
	if (a.status !== 200)
		throw new ContractError(`${what}: HTTP ${a.status}, expected 200: ${snippet(a.text)}`);
	if (!a.body)
		throw new ContractError(
			`${what}: not a JSON object (Content-Type ${a.contentType ?? 'none'}): ${snippet(a.text)}`,
		);
	return a.body;
}

const isHttpUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\/\S+$/i.test(v);

export type SubmitOutcome = { kind: 'image'; imageUrl: string } | { kind: 'job'; jobSetId: string };

/** The submit's answer: `{ imageUrl }` (an image now) or `{ job_set_id }` (a job to poll). */
export function checkSubmitAnswer(a: Answer): SubmitOutcome {
	const body = jsonObject('the submit answer', a);
	if (isHttpUrl(body.imageUrl)) return { kind: 'image', imageUrl: body.imageUrl as string };
	if (typeof body.job_set_id === 'string' && body.job_set_id.trim())
		return { kind: 'job', jobSetId: body.job_set_id };
	const bad =
		'imageUrl' in body
			? `"imageUrl" is not an http(s) URL (${JSON.stringify(body.imageUrl)})`
			: 'job_set_id' in body
				? `"job_set_id" is not a non-empty string (${JSON.stringify(body.job_set_id)})`
				: `neither "imageUrl" (an image now) nor "job_set_id" (a job to check) is in it`;
	throw new ContractError(`the submit answer: ${bad}; ${fieldsOf(body)}; ${nodeView(body)}`);
}

/** A status answer must carry the word in `status`; returns the node's reading of it. */
function statusOf(what: string, body: Record<string, unknown>, jobSetId: string) {
	if (typeof body.status !== 'string' || !body.status.trim()) {
		const bad =
			'status' in body
				? `"status" is not a word (${JSON.stringify(body.status)})`
				: 'the field "status" is missing';
		throw new ContractError(`${what}: ${bad}; ${fieldsOf(body)}; ${nodeView(body, jobSetId)}`);
	}
	return nodeReads(body, jobSetId);
}

/** A status answer before the end: a word the node reads as running ('running'), or done ('done'). */
export function checkRunningAnswer(a: Answer, jobSetId: string): 'running' | 'done' {
	const body = jsonObject('the status answer', a);
	const reading = statusOf('the status answer', body, jobSetId);
	if (reading.state === 'failed')
		throw new ContractError(
			`the job failed: status "${String(body.status)}"${reading.reason ? ` (${reading.reason})` : ''}`,
		);
	return reading.state === 'running' ? 'running' : 'done';
}

/** When done: `status: "succeeded"` and `results: [{ imageUrl }]`. Returns the image URLs. */
export function checkDoneAnswer(a: Answer, jobSetId: string): string[] {
	const body = jsonObject('the finished job', a);
	const reading = statusOf('the finished job', body, jobSetId);
	if (body.status !== DONE_STATUS)
		throw new ContractError(
			`the finished job: status "${String(body.status)}", documented "${DONE_STATUS}"; ${nodeView(body, jobSetId)}`,
		);
	if (!Array.isArray(body.results) || body.results.length === 0) {
		const bad = 'results' in body ? '"results" is not a non-empty list' : '"results" is missing';
		throw new ContractError(`the finished job: ${bad}; ${fieldsOf(body)}; ${nodeView(body)}`);
	}
	return body.results.map((r: unknown, i) => {
		const entry = r && typeof r === 'object' ? (r as Record<string, unknown>) : {};
		if (!isHttpUrl(entry.imageUrl)) {
			const bad =
				'imageUrl' in entry
					? `"imageUrl" is not an http(s) URL (${JSON.stringify(entry.imageUrl)})`
					: `the field "imageUrl" is missing`;
			const also = reading.results[i]?.imageUrl
				? ' (the node also reads other names, so it would still find this image)'
				: '';
			throw new ContractError(
				`the finished job: results[${i}]: ${bad}; ${fieldsOf(entry)}${also}; ${nodeView(body, jobSetId)}`,
			);
		}
		return entry.imageUrl as string;
	});
}

/** A wrong key: 401 and `{ "error": "Invalid or missing authentication" }`. */
export function checkRejectedKey(a: Answer): void {
	if (a.status !== 401)
		throw new ContractError(`a wrong key: HTTP ${a.status}, expected 401: ${snippet(a.text)}`);
	if (!a.body)
		throw new ContractError(`a wrong key: the 401 body is not a JSON object: ${snippet(a.text)}`);
	if (a.body.error !== REJECTED_KEY_ERROR) {
		const bad =
			'error' in a.body
				? `"error" says ${JSON.stringify(a.body.error)}, documented "${REJECTED_KEY_ERROR}"`
				: 'the field "error" is missing';
		throw new ContractError(
			`a wrong key: the 401 body: ${bad}; ${fieldsOf(a.body)} (n8n 1.x names a rejected key in the credential test by this body)`,
		);
	}
}

const SIGNATURES: [string, RegExp][] = [
	['PNG', /^89504e470d0a1a0a/],
	['JPEG', /^ffd8ff/],
	['GIF', /^474946383[79]61/],
	['WebP', /^52494646.{8}57454250/],
];

/** The image at `url`, fetched without the key: 200 and the bytes of an image. */
export async function checkDownload(url: string): Promise<{ format: string; bytes: number }> {
	const res = await reach(url);
	if (res.status !== 200) {
		await res.body?.cancel();
		throw new ContractError(`the image ${url}: HTTP ${res.status}, expected 200`);
	}
	const declared = res.headers.get('content-length');
	if (declared && Number(declared) > MAX_IMAGE_BYTES) {
		await res.body?.cancel();
		throw new ContractError(`the image ${url}: ${declared} bytes, more than an image should be`);
	}
	const bytes = Buffer.from(await res.arrayBuffer());
	const head = bytes.subarray(0, 12).toString('hex');
	const format = SIGNATURES.find(([, re]) => re.test(head))?.[0];
	if (!format)
		throw new ContractError(
			`the image ${url}: not a PNG, JPEG, GIF or WebP (Content-Type ${res.headers.get('content-type') ?? 'none'}, ${bytes.length} bytes, starting ${head || '(empty)'})`,
		);
	return { format, bytes: bytes.length };
}

/** Polls `jobSetId` until it is done (or failed, or the deadline): each answer is checked. */
export async function waitUntilDone(
	t: Target,
	jobSetId: string,
	first: Answer | null,
): Promise<{ answer: Answer; polls: number }> {
	const deadline = Date.now() + JOB_DEADLINE_MS;
	let pause = FIRST_PAUSE_MS;
	let polls = 0;
	let answer = first;
	for (;;) {
		if (answer && checkRunningAnswer(answer, jobSetId) === 'done') return { answer, polls };
		if (Date.now() > deadline)
			throw new ContractError(
				`the job was still "${String(answer?.body?.status)}" after ${JOB_DEADLINE_MS / 1000} s`,
			);
		if (answer) await new Promise((resolve) => setTimeout(resolve, pause));
		pause = Math.min(MAX_PAUSE_MS, pause * 2);
		answer = await poll(t, jobSetId);
		polls++;
	}
}
