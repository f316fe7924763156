// Request handling: the two API endpoints, sample assets, result images.
import { streamBody } from './bodies.mjs';
import { answerFault, DOCUMENTED_ERRORS } from './faults.mjs';
import { isAbort, parseJson, readBody, renameKeys, sendJson, sendRaw, sleep } from './util.mjs';
import { parseDirectives, validatePoll, validateSubmit } from './validate.mjs';

/** @typedef {import('./server.mjs').SimContext} SimContext */
/** @typedef {import('node:http').IncomingMessage} Req */
/** @typedef {import('node:http').ServerResponse} Res */

const RESULT_RE = /^\/results\/([A-Za-z0-9_-]+)\.png$/;
const ASSETS = { '/assets/dog.png': 'imagePng', '/assets/dog-mask.png': 'maskPng' };

/**
 * @param {Req} req
 * @param {string} path
 * @returns {'submit' | 'poll' | 'results' | 'other'}
 */
export function classify(req, path) {
	if (req.method === 'POST' && path === '/submit/getImage') return 'submit';
	if (req.method === 'POST' && path === '/poll/getGenerationResults') return 'poll';
	if ((req.method === 'GET' || req.method === 'HEAD') && path.startsWith('/results/'))
		return 'results';
	return 'other';
}

/** @param {Res} res */
const notFound = (res) => sendJson(res, 404, { error: DOCUMENTED_ERRORS[404] });

/**
 * Handle one (non-control) request. `entry` is its request-log record, already logged.
 * @param {SimContext} ctx
 * @param {Req} req
 * @param {Res} res
 * @param {string} path
 * @param {'submit' | 'poll' | 'results' | 'other'} endpoint
 * @param {Record<string, any>} entry
 */
export async function handle(ctx, req, res, path, endpoint, entry) {
	try {
		if (endpoint === 'submit' || endpoint === 'poll')
			await handleApi(ctx, req, res, endpoint, entry);
		else if (endpoint === 'results') await handleResult(ctx, req, res, path, entry);
		else if ((req.method === 'GET' || req.method === 'HEAD') && path in ASSETS) {
			const png =
				ctx.samples[
					/** @type {'imagePng' | 'maskPng'} */ (ASSETS[/** @type {keyof ASSETS} */ (path)])
				];
			sendRaw(res, 200, png, { 'Content-Type': 'image/png' });
		} else {
			req.resume();
			notFound(res);
		}
	} catch (err) {
		if (isAbort(err)) {
			req.socket.destroy(); // the simulator is closing
			return;
		}
		if (!res.headersSent)
			sendJson(res, 500, { error: DOCUMENTED_ERRORS[500], details: String(err) });
		else res.destroy();
	}
}

/**
 * @param {SimContext} ctx
 * @param {Req} req
 * @param {Res} res
 * @param {'submit' | 'poll'} endpoint
 * @param {Record<string, any>} entry
 */
async function handleApi(ctx, req, res, endpoint, entry) {
	const { raw, tooLarge } = await readBody(req);
	const parsed = raw.length ? parseJson(raw) : null;
	entry.body = parsed ? ('value' in parsed ? parsed.value : parsed.text) : undefined;
	if (endpoint === 'poll')
		ctx.jobs.notePollAttempt(/** @type {any} */ (entry.body)?.job_set_id, entry.time);

	// 1. faults: scripted first, then random
	let dropAfter = false;
	const fault = takeFault(ctx, endpoint, entry);
	if (fault) {
		switch (fault.type) {
			case 'drop':
				req.socket.destroy();
				return;
			case 'hang':
				return; // never answered; close() or the client ends it
			case 'delay':
				await sleep(fault.ms ?? 0, ctx.signal);
				break;
			case 'dropAfterAccept':
				dropAfter = true;
				break;
			default:
				answerFault(res, fault);
				return;
		}
	}
	await sleep(
		endpoint === 'submit' ? ctx.config.submitDelayMs : ctx.config.pollDelayMs,
		ctx.signal,
	);

	// 2. the API itself: auth, rate limit, validation, work
	/** @type {[number, unknown, Record<string, string | number>?]} */
	const answer = work(ctx, req, endpoint, entry.keyLabel, parsed, tooLarge, !dropAfter);
	if (dropAfter) {
		req.socket.destroy();
		return;
	}
	sendJson(res, answer[0], renameKeys(answer[1], ctx.config.renameFields), answer[2]);
}

/**
 * Compute the answer to an API request (creating the job for a valid submit).
 * @param {SimContext} ctx
 * @param {Req} req
 * @param {'submit' | 'poll'} endpoint
 * @param {string} keyLabel the key's label, as the request log has it ('other': not a key we know)
 * @param {ReturnType<typeof parseJson> | null} parsed
 * @param {boolean} tooLarge
 * @param {boolean} delivered
 * @returns {[number, unknown, Record<string, string | number>?]}
 */
function work(ctx, req, endpoint, keyLabel, parsed, tooLarge, delivered) {
	const key = req.headers['ocp-apim-subscription-key'];
	if (key === ctx.start.forbiddenKey) return [403, { error: DOCUMENTED_ERRORS[403] }];
	if (keyLabel === 'other') return [401, { error: DOCUMENTED_ERRORS[401] }];

	const limited = ctx.rateCheck(keyLabel, endpoint);
	if (limited) {
		const headers =
			limited.retryAfter === null ? {} : { 'Retry-After': String(limited.retryAfter) };
		return [429, { error: DOCUMENTED_ERRORS[429] }, headers];
	}
	const outOfQuota = ctx.quotaCheck(keyLabel);
	if (outOfQuota) return [403, outOfQuota.body, { 'Retry-After': String(outOfQuota.retryAfter) }];

	/** @param {string} details @returns {[number, unknown]} */
	const invalid = (details) => [400, { error: DOCUMENTED_ERRORS[400], details }];
	if (tooLarge) return invalid('body too large');
	if (!parsed) return invalid('empty body; a JSON object is required');
	if (!parsed.ok) return invalid('body is not valid JSON');
	const body = /** @type {Record<string, any>} */ (parsed.value);

	if (endpoint === 'poll') {
		const problems = validatePoll(body);
		if (problems.length) return invalid(problems.join('; '));
		const job = ctx.jobs.get(body.job_set_id);
		if (!job) return [404, { error: 'Job set not found' }];
		return [200, ctx.jobs.pollAnswer(job, delivered)];
	}
	const problems = validateSubmit(body);
	if (problems.length) return invalid(problems.join('; '));
	const { directives, prompt, problems: dirProblems } = parseDirectives(body.prompt);
	if (dirProblems.length) return invalid(dirProblems.join('; '));
	const job = ctx.jobs.create(body, prompt, directives, ctx.config);
	return [200, ctx.jobs.submitAnswer(job)];
}

/**
 * Take this request's fault (if any), marking it in the log entry and the counters.
 * @param {SimContext} ctx
 * @param {'submit' | 'poll' | 'results'} endpoint
 * @param {Record<string, any>} entry
 */
function takeFault(ctx, endpoint, entry) {
	const fault = ctx.faults.take(endpoint, entry.body?.job_set_id);
	if (fault) {
		entry.fault = fault.type;
		ctx.counters.faultsInjected[fault.type] = (ctx.counters.faultsInjected[fault.type] ?? 0) + 1;
	}
	return fault;
}

/**
 * GET /results/<id>.png, after the result faults (status, html, empty, delay, stall, redirect,
 * drop, hang, outage, body).
 * @param {SimContext} ctx
 * @param {Req} req
 * @param {Res} res
 * @param {string} path
 * @param {Record<string, any>} entry
 */
async function handleResult(ctx, req, res, path, entry) {
	const m = RESULT_RE.exec(path);
	const fault = takeFault(ctx, 'results', entry);
	switch (fault?.type) {
		case undefined:
			break;
		case 'delay':
			await sleep(fault.ms ?? 0, ctx.signal);
			break;
		case 'drop':
			req.socket.destroy();
			return;
		case 'hang':
			return;
		case 'stall': {
			// 200 and the full Content-Length, part of the body, then silence until a close.
			const png = (m && (await ctx.results.get(m[1]))) || ctx.samples.imagePng;
			res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length });
			res.write(png.subarray(0, Math.min(png.length - 1, fault.bytes ?? 1024)));
			return;
		}
		case 'body': {
			// A made-up body (`size`), or the real result (or the sample dog) declared as `contentType`.
			const real =
				fault.size === undefined
					? (m && (await ctx.results.get(m[1]))) || ctx.samples.imagePng
					: null;
			await streamBody(res, fault, real);
			return;
		}
		default:
			answerFault(res, fault);
			return;
	}
	const pending = m ? ctx.results.get(m[1]) : null;
	if (!pending) {
		notFound(res);
		return;
	}
	await sleep(ctx.config.resultDownloadDelayMs, ctx.signal);
	const png = await pending;
	sendRaw(res, 200, png, { 'Content-Type': 'image/png' });
}
