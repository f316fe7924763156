// Setting n8n up over its REST API (owner, API key, credential, workflows) and reading executions
// back through the public API, which is what an operator's tooling would use.
import { URLSearchParams } from 'node:url';

import { answerOf, check, sleep } from '../lib.mjs';
import { createWorkflow, setupOwner } from '../server.mjs';
import { simulatorCredential } from '../../harness/inpaint-workflow.mjs';

/** Owner, an API key with every scope the owner may grant, the simulator's credential. */
export async function setUp(cluster, sim) {
	const { rest } = cluster;
	// n8n 1.x answers readiness a moment before its REST routes exist.
	await waitFor('the REST API', async () => (await rest('GET', '/rest/settings')).status === 200, {
		timeoutMs: 60_000,
		everyMs: 250,
	});
	await setupOwner(rest);
	const scopes = (await rest('GET', '/rest/api-keys/scopes')).json?.data ?? [];
	const key = await rest('POST', '/rest/api-keys', {
		label: 'pixazo-queue-e2e',
		scopes,
		expiresAt: null,
	});
	const apiKey = key.json?.data?.rawApiKey;
	check(apiKey, 'creating an API key failed', key.text);
	const credential = await rest('POST', '/rest/credentials', {
		name: 'Pixazo API',
		type: 'pixazoApi',
		data: simulatorCredential(sim),
	});
	check(credential.json?.data?.id, 'creating the credential failed', credential.text);
	cluster.apiKey = apiKey;
	cluster.credential = { id: credential.json.data.id, name: 'Pixazo API' };
	return cluster.credential;
}

/** Creates and activates `workflow`, then waits until its webhook `path` is registered. */
export async function deploy(cluster, workflow, path) {
	const { rest } = cluster;
	const { id, versionId } = await createWorkflow(rest, workflow);
	let activated = await rest('POST', `/rest/workflows/${id}/activate`, { versionId });
	// n8n 1.x has no activate route: it activates by updating the workflow.
	if (activated.status === 404)
		activated = await rest('PATCH', `/rest/workflows/${id}`, { active: true, versionId });
	check(activated.status === 200, `activating "${workflow.name}" failed`, activated.text);
	// Right after activation the webhook may answer "not registered": a GET on the POST-only
	// path answers "use POST" (405 / a message naming POST) once it is.
	for (let attempt = 0; attempt < 80; attempt++) {
		const probe = await fetch(`${cluster.base}/webhook/${path}`);
		const text = await probe.text();
		if (probe.status !== 404 || /POST/.test(text)) return id;
		await sleep(250);
	}
	check(false, `the webhook /webhook/${path} was never registered`);
}

/** POSTs `body` to the webhook; returns { status, json, text }. */
export async function callWebhook(cluster, path, body) {
	const response = await fetch(`${cluster.base}/webhook/${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return await answerOf(response);
}

/** The public API (`X-N8N-API-KEY`). */
export async function publicApi(cluster, path) {
	const response = await fetch(`${cluster.base}/api/v1${path}`, {
		headers: { 'x-n8n-api-key': cluster.apiKey, accept: 'application/json' },
	});
	const text = await response.text();
	check(response.ok, `GET /api/v1${path} answered ${response.status}`, text);
	return JSON.parse(text);
}

/**
 * Every execution of workflow `workflowId` in `status` (or the finished ones when omitted), page
 * by page (250 a page, `nextCursor`); `includeData` adds the run data.
 */
export async function executions(cluster, workflowId, { status, includeData = false } = {}) {
	const all = [];
	let cursor;
	do {
		const query = new URLSearchParams({
			workflowId,
			limit: '250',
			includeData: String(includeData),
		});
		if (status) query.set('status', status);
		if (cursor) query.set('cursor', cursor);
		const page = await publicApi(cluster, `/executions?${query}`);
		all.push(...page.data);
		cursor = page.nextCursor;
	} while (cursor);
	return all;
}

/** Waits until `predicate()` resolves truthy (polling every `everyMs`); returns its value. */
export async function waitFor(what, predicate, { timeoutMs = 60_000, everyMs = 500 } = {}) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await predicate();
		if (value) return value;
		check(Date.now() < deadline, `timed out after ${timeoutMs / 1000} s waiting for ${what}`);
		await sleep(everyMs);
	}
}

/** Executions of `workflowId` that are running or queued now (the public API lists them only on request). */
export async function unfinished(cluster, workflowId) {
	const lists = await Promise.all(
		['running', 'new'].map((status) => executions(cluster, workflowId, { status }).catch(() => [])),
	);
	return lists.flat();
}

/** The output items of `nodeName` (all its runs) in an execution read with includeData. */
export function outputOf(execution, nodeName) {
	const runs = execution?.data?.resultData?.runData?.[nodeName] ?? [];
	return runs.flatMap((r) => r.data?.main?.[0] ?? []);
}

/** The simulator in its own process, through its loopback control routes. */
export const simControl = (sim) => ({
	stats: async () => (await fetch(`${sim.url}/__control/stats`)).json(),
	requests: async () => (await fetch(`${sim.url}/__control/requests`)).json(),
	/** Merges `partial` into the simulator's config (e.g. `{ rateLimit: null }`). */
	configure: async (partial) => {
		const answer = await fetch(`${sim.url}/__control/configure`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(partial),
		});
		check(answer.ok, `configuring the simulator answered ${answer.status}`, await answer.text());
	},
});
