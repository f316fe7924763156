// A local S3-compatible server for the e2e: s3rver (npm, a pinned devDependency) on 127.0.0.1, in
// its own process, addressed path-style: http://127.0.0.1:PORT/<bucket>/<key>.
//
// - Objects are readable without credentials, as in a bucket whose objects are public (s3rver has
//   no ACLs and no bucket policies). A request that carries credentials must name a known access
//   key (s3rver's S3RVER / S3RVER); s3rver does not verify Signature V4 itself.
// - One addition to s3rver 3.7.1: ListParts (GET /<bucket>/<key>?uploadId=…), which it lacks and
//   n8n's AWS S3 node calls to finish a multipart upload. n8n 2.x uploads every binary file kept in
//   its binary-data store that way (initiate, parts, ListParts, complete); n8n 1.x's default
//   in-memory binary data goes up in one PUT. The parts are read from s3rver's own store.
// - Every request is printed as one JSON line, {"s3":{"method","path","query","auth","status"}},
//   so the e2e can see who wrote and who read what, and whether with credentials.
//
// As a process: node test/e2e/s3-server.mjs --dir <folder> [--bucket <name>]… prints
// {"ready":{"url":…}} once listening on a free port. From the e2e: startS3Server() below starts
// that process, waits for it, and stops it by its pid (also on failure: lib.mjs kills its children).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { check, sleep, start, stopChild } from './lib.mjs';

/** The access key s3rver knows (its built-in account); any secret passes its V4 check. */
export const S3_ACCESS_KEY = 'S3RVER';
export const S3_SECRET_KEY = 'S3RVER';

/** ListParts from s3rver's filesystem store: the parts of an unfinished multipart upload. */
function listPartsMiddleware(S3Error) {
	return async function listParts(ctx, next) {
		const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
		if (ctx.method !== 'GET' || !match || !('uploadId' in ctx.query)) return next();
		const [, bucket, key] = match.map((part) => decodeURIComponent(part));
		const { uploadId } = ctx.query;
		const dir = join(ctx.store.getResourcePath(bucket, undefined, 'uploads'), String(uploadId));
		let names;
		try {
			names = readdirSync(dir);
		} catch {
			throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', {
				UploadId: uploadId,
			});
		}
		const numbers = names
			.filter((name) => /^\d+$/.test(name))
			.map(Number)
			.sort((a, b) => a - b);
		ctx.body = {
			ListPartsResult: {
				'@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
				Bucket: bucket,
				Key: key,
				UploadId: uploadId,
				PartNumberMarker: 0,
				NextPartNumberMarker: numbers.at(-1) ?? 0,
				MaxParts: Number(ctx.query['max-parts'] ?? 1000),
				IsTruncated: false,
				Part: numbers.map((n) => ({
					PartNumber: n,
					LastModified: statSync(join(dir, String(n))).mtime.toISOString(),
					ETag: JSON.stringify(readFileSync(join(dir, `${n}.md5`), 'utf8')),
					Size: statSync(join(dir, String(n))).size,
				})),
			},
		};
	};
}

/** One JSON line per request: what was asked, with or without credentials, and the answer. */
async function logRequest(ctx, next) {
	try {
		await next();
	} finally {
		const auth = 'authorization' in ctx.headers || 'X-Amz-Algorithm' in ctx.query;
		const line = { method: ctx.method, path: ctx.path, query: ctx.querystring, auth };
		process.stdout.write(`${JSON.stringify({ s3: { ...line, status: ctx.status } })}\n`);
	}
}

async function serve() {
	const { values } = parseArgs({
		options: { dir: { type: 'string' }, bucket: { type: 'string', multiple: true } },
	});
	if (!values.dir)
		throw new Error('usage: node test/e2e/s3-server.mjs --dir <folder> [--bucket <name>]…');
	rmSync(values.dir, { recursive: true, force: true });
	mkdirSync(values.dir, { recursive: true });
	const require = createRequire(import.meta.url);
	const S3rver = require('s3rver');
	const S3Error = require('s3rver/lib/models/error');
	const server = new S3rver({
		address: '127.0.0.1',
		port: 0,
		directory: values.dir,
		silent: true,
		vhostBuckets: false,
		configureBuckets: (values.bucket ?? []).map((name) => ({ name })),
	});
	// Koa composes its middleware when it starts listening: the log goes first, ListParts just
	// before s3rver's router (after its XML encoder, which turns ctx.body into the XML answer).
	server.middleware.unshift(logRequest);
	server.middleware.splice(server.middleware.length - 1, 0, listPartsMiddleware(S3Error));
	const { port } = await server.run();
	// Stopped by a signal (lib.mjs's handlers end the process; its data folder is thrown away).
	process.stdout.write(`${JSON.stringify({ ready: { url: `http://127.0.0.1:${port}` } })}\n`);
}

/**
 * Starts the server process with `buckets` in `dir` (emptied first) and waits until it listens.
 * @returns {Promise<{ url: string, child: any, objectUrl: (bucket: string, key: string) => string,
 *   requests: () => { method: string, path: string, query: string, auth: boolean, status: number }[],
 *   stop: () => Promise<void> }>}
 */
export async function startS3Server({ dir, buckets }) {
	const args = [fileURLToPath(import.meta.url), '--dir', dir];
	for (const bucket of buckets) args.push('--bucket', bucket);
	const child = start(process.execPath, args);
	const lines = () =>
		child.output
			.split('\n')
			.filter((line) => line.startsWith('{'))
			.map((line) => JSON.parse(line));
	const deadline = Date.now() + 30_000;
	let ready;
	while (!(ready = lines().find((l) => l.ready)?.ready)) {
		check(
			child.exitCode === null && child.signalCode === null && Date.now() < deadline,
			`the S3 server did not start (${child.exitCode ?? child.signalCode ?? 'no answer in 30 s'})`,
			child.output.slice(-3000),
		);
		await sleep(100);
	}
	return {
		url: ready.url,
		child,
		objectUrl: (bucket, key) => `${ready.url}/${bucket}/${key}`,
		requests: () => lines().flatMap((l) => (l.s3 ? [l.s3] : [])),
		stop: () => stopChild(child, 5_000),
	};
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve();
