// `n8n start` for the e2e checks and the screenshots: the server on 127.0.0.1 (its own ports),
// waiting for /healthz/readiness, a REST client that keeps n8n's auth cookie, the owner account.
// The server is stopped by its process id (`stop()`; run.mjs also kills it on any exit).
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
