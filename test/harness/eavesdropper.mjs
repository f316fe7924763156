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

/** What it serves for a GET of a `.png` path: the first bytes of a PNG, enough to be taken for one. */
export const EAVESDROPPER_IMAGE = Buffer.concat([
	Buffer.from('89504e470d0a1a0a', 'hex'),
	Buffer.from('another host'),
]);

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
			const image = req.method === 'GET' && /\.png$/.test(req.url?.split('?')[0] ?? '');
			const body = image ? EAVESDROPPER_IMAGE : Buffer.from(JSON.stringify(EAVESDROPPER_ANSWER));
			res.writeHead(200, {
				'Content-Type': image ? 'image/png' : 'application/json',
				'Content-Length': body.length,
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
