// What the engine tests check with, in one place: what a clear error is, "nothing was sent", and
// readings of the simulator's request log.
import { expect, vi } from 'vitest';

import type { Env, Item } from './env.mts';

/**
 * Tolerance for "waited at least" (ms): timers may fire a millisecond early, and the simulator
 * stamps a request when it arrives.
 */
export const WAIT_TOLERANCE_MS = 5;

/** What a user reads of an error: its message and its description, as one text. */
export function errorText(error: any): string {
	return `${error?.message ?? ''} ${error?.description ?? ''}`;
}

/** A JavaScript failure shown instead of the API's problem. */
const NOT_CLEAR =
	/TypeError|ReferenceError|SyntaxError|URIError|Cannot read prop|is not a function|Unexpected (token|end)|\[object Object\]|undefined|NaN/;

/**
 * The node threw an error a user can act on: plain words, never a JavaScript failure, nor the
 * node's own "this is a bug" wrapper.
 */
export function expectClearError(error: any) {
	expect(error, 'the node should have thrown').toBeTruthy();
	expect(error.message).toEqual(expect.any(String));
	expect(error.message.length).toBeGreaterThan(10);
	expect(errorText(error)).not.toMatch(NOT_CLEAR);
	expect(error.message).not.toMatch(/^Unexpected failure/);
}

/** The same for an error item of Continue On Fail: it must be one, with a message and a description. */
export function expectClearErrorItem(item: Item | undefined) {
	expect(item, 'the node should have output an item').toBeTruthy();
	expect(item!.json.error, 'the item should be an error item').toEqual(expect.stringMatching(/\S/));
	expect(item!.json.description).toEqual(expect.stringMatching(/\S/));
	expect(`${item!.json.error} ${item!.json.description}`).not.toMatch(NOT_CLEAR);
	expect(item!.json.error).not.toMatch(/^Unexpected failure/);
}

/** The simulator got no request at all and no job was created. */
export function expectNothingSent(env: Env) {
	expect(env.sim.requests()).toEqual([]);
	expect(env.sim.stats().jobsCreated).toBe(0);
}

/**
 * The node closed the connection of the first request to `endpoint` without it being answered
 * (waited for with a generous cap: only a failure takes that long).
 */
export async function expectClosedByNode(env: Env, endpoint: 'submit' | 'poll' | 'results') {
	await vi.waitFor(() => expect(requestsTo(env, endpoint)[0]?.doneAt).toEqual(expect.any(Number)), {
		timeout: 10_000,
		interval: 10,
	});
	expect(requestsTo(env, endpoint)[0].status).toBeNull();
}

/** The bytes a URL serves (the simulator's image, or another host's). */
export async function fetchBytes(url: string): Promise<Buffer> {
	const response = await fetch(url);
	expect(response.status).toBe(200);
	return Buffer.from(await response.arrayBuffer());
}

/** The simulator's record of the job submitted with this prompt. */
export function jobOf(env: Env, prompt: string): any {
	return env.sim.stats().jobs.find((j: any) => j.prompt === prompt);
}

/** The status checks the simulator received, grouped by the job they named, each oldest first. */
export function checksByJob(env: Env): Map<string, any[]> {
	const byJob = new Map<string, any[]>();
	for (const r of requestsTo(env, 'poll')) {
		const id = (r.body as any).job_set_id as string;
		byJob.set(id, [...(byJob.get(id) ?? []), r]);
	}
	return byJob;
}

/** The most API requests open at the simulator at one moment (from arrival to answer done). */
export function mostInFlight(env: Env): number {
	const api = apiRequests(env) as Array<{ time: number; doneAt: number | null }>;
	expect(api.every((r) => r.doneAt !== null)).toBe(true);
	return Math.max(
		...api.map((r) => api.filter((q) => q.time <= r.time && (q.doneAt as number) > r.time).length),
	);
}

/** The requests to the two API endpoints (not result downloads), oldest first. */
export function apiRequests(env: Env) {
	return env.sim.requests().filter((r: any) => r.endpoint === 'submit' || r.endpoint === 'poll');
}

/** The requests the simulator received for one endpoint, oldest first. */
export function requestsTo(env: Env, endpoint: 'submit' | 'poll' | 'results') {
	return env.sim.requests().filter((r: any) => r.endpoint === endpoint);
}
