// `n8n start` for the e2e checks and the screenshots: the server on 127.0.0.1 (its own ports),
// waiting for /healthz/readiness, a REST client that keeps n8n's auth cookie, the owner account.
// The server is stopped by its process id (`stop()`; run.mjs also kills it on any exit).
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { answerOf, check, freePort, sleep, start, stopChild } from './lib.mjs';
import { n8nEnv } from './n8n.mjs';

export const OWNER = {
	email: 'e2e-owner@example.com',
	firstName: 'E2E',
	lastName: 'Owner',
	password: 'E2e-owner-Passw0rd',
};
/** n8n binds its auth cookie to the browser's id (header `browser-id`, localStorage `n8n-browserId`). */
export const BROWSER_ID = 'pixazo-e2e-browser';

/** A small REST client that keeps n8n's auth cookie. */
export function restClient(base) {
	const client = async (method, path, body) => {
		const response = await fetch(`${base}${path}`, {
			method,
			headers: {
				'content-type': 'application/json',
				'browser-id': BROWSER_ID,
				...(client.cookie ? { cookie: client.cookie } : {}),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const auth = (response.headers.getSetCookie?.() ?? []).find((c) => c.startsWith('n8n-auth='));
		if (auth) client.cookie = auth.split(';')[0];
		return await answerOf(response);
	};
	client.cookie = '';
	return client;
}

/** Waits until `base`/healthz/readiness answers 200 (n8n start, or a worker's health server). */
export async function waitForReady(server, base, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		check(
			server.exitCode === null && server.signalCode === null,
			`n8n exited (${server.exitCode ?? server.signalCode})`,
			server.output.slice(-3000),
		);
		try {
			if ((await fetch(`${base}/healthz/readiness`)).status === 200) return;
		} catch {
			/* not listening yet */
		}
		await sleep(250);
	}
	check(false, `n8n was not ready within ${timeoutMs / 1000} s`, server.output.slice(-3000));
}

/** Starts `n8n start` for `userFolder` and waits until it is ready: { child, base, rest, stop }. */
export async function startServer(n8n, userFolder, filesDir, { port: fixedPort } = {}) {
	const port = fixedPort ?? (await freePort());
	const base = `http://127.0.0.1:${port}`;
	const env = n8nEnv(n8n, userFolder, filesDir, {
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: `${base}/`,
		N8N_SECURE_COOKIE: 'false',
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
	});
	const child = start('node', [n8n.bin, 'start'], { env, cwd: userFolder });
	const stop = () => stopChild(child, 15_000);
	try {
		await waitForReady(child, base, 120_000);
	} catch (error) {
		await stop();
		throw error;
	}
	return { child, base, port, rest: restClient(base), stop };
}

/** Creates the owner account (first start of a user folder); the client then holds its cookie. */
export async function setupOwner(rest) {
	const r = await rest('POST', '/rest/owner/setup', OWNER);
	check(r.status === 200 && rest.cookie, `owner setup answered ${r.status}`, r.text);
}

/** Creates a workflow over REST and returns its { id, versionId }. */
export async function createWorkflow(rest, workflow) {
	const created = await rest('POST', '/rest/workflows', { ...workflow, id: undefined });
	check(
		created.status === 200 && created.json?.data?.id,
		'creating a workflow over REST failed',
		created.text,
	);
	return created.json.data;
}

/**
 * Creates a workflow with a webhook over REST and activates it; then `call()` (a request to the
 * webhook) until it is not a 404: n8n registers the webhook a moment after activation.
 * Returns the first answer that is not a 404 (or the last 404 after 10 s), with the workflow's id.
 */
export async function activateAndCall(rest, workflow, call) {
	const { id, versionId } = await createWorkflow(rest, workflow);
	const activated = await rest('POST', `/rest/workflows/${id}/activate`, { versionId });
	check(activated.status === 200, 'activating the workflow failed', activated.text);
	let answer;
	for (let attempt = 0; attempt < 40; attempt++) {
		answer = await call();
		if (answer.status !== 404) break;
		await sleep(250);
	}
	return { ...answer, workflowId: id };
}

/**
 * Why the last execution of a workflow failed, for a failed check: the error and the node, read
 * over REST (n8n keeps execution data in flatted's format, parsed with n8n's own copy).
 */
export async function lastExecutionError(rest, n8n, workflowId) {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const list = await rest('GET', `/rest/executions?filter=${filter}&limit=1`);
	const id = list.json?.data?.results?.[0]?.id;
	if (!id) return `no execution found (${list.status})`;
	const { json } = await rest('GET', `/rest/executions/${id}`);
	const { parse } = createRequire(join(n8n.dir, 'node_modules', 'n8n', 'package.json'))('flatted');
	const raw = json?.data?.data;
	const data = typeof raw === 'string' ? parse(raw) : raw;
	const error = data?.resultData?.error;
	return `execution ${id} ${json?.data?.status}: ${data?.resultData?.lastNodeExecuted ?? '?'}: ${error?.message ?? '(no error)'} ${error?.description ?? ''}`;
}
