// /__control/* routes: drive a simulator running in another process. Loopback only, no key.
import { isLoopbackAddress, parseJson, readBody, sendJson } from './util.mjs';

/**
 * @param {import('./server.mjs').SimContext} ctx
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {string} path
 */
export async function handleControl(ctx, req, res, path) {
	if (!isLoopbackAddress(req.socket.remoteAddress)) {
		req.resume();
		sendJson(res, 403, { error: 'Control routes are loopback-only' });
		return;
	}
	const route = `${req.method} ${path}`;
	try {
		switch (route) {
			case 'GET /__control/stats':
				sendJson(res, 200, ctx.api.stats());
				return;
			case 'GET /__control/requests':
				sendJson(res, 200, ctx.api.requests());
				return;
			case 'GET /__control/config':
				sendJson(res, 200, ctx.api.config());
				return;
			case 'POST /__control/reset':
				await readBody(req);
				ctx.api.reset();
				sendJson(res, 200, { ok: true });
				return;
			case 'POST /__control/configure': {
				const body = /** @type {Record<string, unknown>} */ (await jsonBody(req));
				sendJson(res, 200, { ok: true, config: ctx.api.configure(body) });
				return;
			}
			case 'POST /__control/faults': {
				const body = await jsonBody(req);
				sendJson(res, 200, { ok: true, queued: ctx.api.enqueueFaults(/** @type {any} */ (body)) });
				return;
			}
			default:
				req.resume();
				sendJson(res, 404, { error: 'Endpoint not found' });
		}
	} catch (err) {
		sendJson(res, 400, {
			error: 'Invalid control request',
			details: /** @type {Error} */ (err).message,
		});
	}
}

/** @param {import('node:http').IncomingMessage} req */
async function jsonBody(req) {
	const { raw, tooLarge } = await readBody(req);
	if (tooLarge) throw new Error('body too large');
	const parsed = parseJson(raw);
	if (!parsed.ok) throw new Error('body is not valid JSON');
	return parsed.value;
}
