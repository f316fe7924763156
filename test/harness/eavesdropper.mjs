// A stand-in for "another host": an HTTP server on 127.0.0.1 that records every request it gets
// and answers as if a job had succeeded there. Tests point a redirect at it to prove that a
// redirected request never reaches another host with the key (and that its answer is not taken
// as the API's).
//
//   const spy = await startEavesdropper();
//   sim.enqueueFaults({ endpoint: 'submit', type: 'redirect', status: 307, location: `${spy.url}/getImage` });
//   ... run the node ...
//   expect(spy.requests()).toEqual([]);   // or: no request carried the key
//   await spy.close();
import { createServer } from 'node:http';

export const EAVESDROPPER_ANSWER = Object.freeze({
	job_set_id: 'evil',
	status: 'succeeded',
	results: [{ imageUrl: 'http://127.0.0.1:1/x.png' }],
});

/**
 * @typedef {{ time: number, method: string | undefined, path: string, url: string | undefined,
 *   headers: import('node:http').IncomingHttpHeaders, body: string }} OverheardRequest
 * @returns {Promise<{ url: string, requests: () => OverheardRequest[], close: () => Promise<void> }>}
 */
export async function startEavesdropper() {
	/** @type {OverheardRequest[]} */
	const log = [];
	/** @type {Set<import('node:net').Socket>} */
	const sockets = new Set();
	const server = createServer((req, res) => {
		/** @type {Buffer[]} */
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			log.push({
				time: Date.now(),
				method: req.method,
				path: (req.url ?? '/').split('?')[0],
				url: req.url,
				headers: { ...req.headers },
				body: Buffer.concat(chunks).toString('utf8'),
			});
			const body = JSON.stringify(EAVESDROPPER_ANSWER);
			res.writeHead(200, {
				'Content-Type': 'application/json',
				'Content-Length': Buffer.byteLength(body),
			});
			res.end(body);
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve(undefined));
	});
	const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
	/** @type {Promise<void> | null} */
	let closing = null;
	return {
		url: `http://127.0.0.1:${port}`,
		requests: () => log.map((r) => ({ ...r, headers: { ...r.headers } })),
		close() {
			closing ??= new Promise((resolve) => {
				server.close(() => resolve());
				for (const socket of sockets) socket.destroy();
			});
			return closing;
		},
	};
}
