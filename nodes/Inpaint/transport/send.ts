import { MAX_BACKOFF_MS, PERSIST_BACKOFF_MS } from '../helpers/tuning';
import type { NodeRun } from './nodeRun';
import { RunStopped } from './nodeRun';
import type { PaceLine, Turn } from './pace/paceLine';
import { paceLineFor } from './pace/paceLines';
import type { GiveUp, Late, Request, RequestPolicy, Tried } from './request';
import type { Failure, RequestKind, RetryRule } from './retryRules';
import { backoffMs, retryRule, verdictOf } from './retryRules';
import { tryOnce } from './tryOnce';

/** The names in the debug log: the endpoints' own. */
const LOG_NAMES: Record<RequestKind, string> = {
	submit: 'submit',
	statusCheck: 'poll',
	download: 'download',
};

let orders = 0;

/**
 * The one send loop: waits for the request's turn in the pace line of its host and key, sends
 * it through n8n (with the credential for API calls), and tries it again while retryRules says
 * so. Returns what `read` made of the answer; throws what `describe` makes of a failure that
 * ends it; when its deadline comes first, returns what `whenLate` makes of that (by default,
 * it fails with its last failure).
 */
export async function send<T, L = never>(
	run: NodeRun,
	request: Request<T>,
	whenLate: (late: Late) => L = (late) => {
		throw request.describe(late.lastFailure ?? timedOut(request), late.tries);
	},
): Promise<T | L> {
	const host = new URL(request.url).host;
	const line = paceLineFor(host, request.withKey ? run.keyHash : '');
	// A request refused with 429 keeps its place in line; one that failed goes to the back, so
	// that the probes of a failing host go round the waiting requests.
	let order = orders++;
	let firstSentAt = Infinity;
	const deadline = deadlineOf(request.giveUp, run, line, () => firstSentAt);
	const late: Late = { tries: 0, limited: false };
	for (let attempt = 0; ; attempt++) {
		late.tries = attempt;
		const turn = await waitForTurn(run, request, { line, host, order, attempt, deadline });
		if (!turn) return whenLate(late);
		firstSentAt = Math.min(firstSentAt, turn.sentAt);
		const { tried, rule } = await tryInTurn(run, request, turn, attempt, deadline());
		if ('value' in tried) return tried.value;
		const { failure } = tried;
		if (request.withKey && failure.kind === 'status' && failure.quota)
			run.quotaUsedUp.set(host, failure);
		if (!rule.retry) throw request.describe(failure, attempt);
		// A 429 is the pace, not a problem: a deadline that comes while rate-limited is just late.
		if (failure.kind === 'status' && failure.status === 429) late.limited = true;
		else [late.lastFailure, order] = [failure, orders++];
		run.context.logger.debug(`Pixazo ${LOG_NAMES[request.kind]}: ${summary(failure)}, retrying`, {
			itemIndex: request.itemIndex,
			attempt,
		});
		if (!rule.backoff) continue;
		const cap = persists(request) ? PERSIST_BACKOFF_MS : MAX_BACKOFF_MS;
		const pause = backoffMs(attempt, request.policy.retryDelayMs, cap);
		const left = deadline() - Date.now();
		await run.waiter.wait(Math.min(pause, left));
		if (pause >= left) return whenLate({ ...late, tries: attempt + 1 });
	}
}

interface Place {
	line: PaceLine;
	host: string;
	order: number;
	attempt: number;
	deadline: () => number;
}

/**
 * The request's turn in its line, or null when the deadline came first. Throws instead when the
 * run is stopping or cancelled, or the host said the key's quota is used up: nothing is sent.
 */
async function waitForTurn<T>(
	run: NodeRun,
	request: Request<T>,
	place: Place,
): Promise<Turn | null> {
	const quotaUsedUp = () => (request.withKey ? run.quotaUsedUp.get(place.host) : undefined);
	const before = quotaUsedUp();
	if (before) {
		run.itemFailed();
		throw request.describe(before, 0);
	}
	run.waiter.throwIfCancelled();
	const lane = request.kind === 'submit' ? 'submit' : 'check';
	const { line, order, attempt, deadline } = place;
	const turn = await line.waitForTurn(run.slots, { lane, order, attempt, deadline });
	if (!turn) return null;
	if (run.stopping) {
		turn.finish('unused');
		throw new RunStopped(run.context.getNode(), 'The run stopped before this item was sent');
	}
	const meanwhile = quotaUsedUp();
	if (meanwhile) {
		turn.finish('unused');
		run.itemFailed();
		throw request.describe(meanwhile, 0);
	}
	return turn;
}

/** Sends once in the turn, decides whether to try again, and reports the answer to the pace. */
async function tryInTurn<T>(
	run: NodeRun,
	request: Request<T>,
	turn: Turn,
	attempt: number,
	deadline: number,
): Promise<{ tried: Tried<T>; rule: RetryRule }> {
	let tried: Tried<T> | undefined;
	let rule: RetryRule = { retry: false, backoff: false };
	try {
		tried = await tryOnce(run, request, deadline, turn.sentAt);
		if ('failure' in tried) {
			const { maxRetries } = request.policy;
			rule = retryRule(request.kind, tried.failure, attempt, maxRetries, persists(request));
			// A failure that ends the item stops the run before its slot frees for another request.
			if (!rule.retry) run.itemFailed();
		}
	} finally {
		finishTurn(turn, tried, request.policy);
	}
	return { tried, rule };
}

function timedOut<T>(request: Request<T>): Failure {
	return { kind: 'network', code: 'TIMEOUT', timeoutMs: request.policy.requestTimeoutMs };
}

function persists<T>(request: Request<T>): boolean {
	return 'at' in request.giveUp;
}

function deadlineOf(
	giveUp: GiveUp,
	run: NodeRun,
	line: PaceLine,
	firstSentAt: () => number,
): () => number {
	if ('at' in giveUp) return () => giveUp.at;
	if ('patienceMs' in giveUp) {
		return () =>
			Math.min(firstSentAt(), Math.max(run.startedAt, line.pace.lastTakenAt)) + giveUp.patienceMs;
	}
	return () => Infinity;
}

/** Tells the host's pace how it answered (a 429's Retry-After, capped, pauses it); nothing if cancelled. */
function finishTurn<T>(turn: Turn, tried: Tried<T> | undefined, policy: RequestPolicy): void {
	if (!tried) {
		turn.finish('unused');
		return;
	}
	const failure = 'failure' in tried ? tried.failure : undefined;
	const pauseMs =
		failure?.kind === 'status' && failure.status === 429
			? Math.min(failure.retryAfterMs ?? 0, policy.maxRetryAfterMs)
			: 0;
	turn.finish(verdictOf(failure), pauseMs);
}

function summary(failure: Failure): string {
	switch (failure.kind) {
		case 'status':
			return `HTTP ${failure.status}`;
		case 'network':
			return failure.code;
		default:
			return 'an unusable answer';
	}
}
