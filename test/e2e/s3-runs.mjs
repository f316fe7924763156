// The storage checks against the local S3 server (s3-server.mjs), with n8n's real S3 nodes:
// - objectInBucket: what a workflow uploaded, read back without credentials (as the public reads
//   it), and the upload seen in the server's log, made with credentials;
// - binaryInChecks (n8n start): examples/binary-in-via-s3 called as its README says, with an
//   image and a mask that are not the simulator's sample. n8n uploads both, the simulator fetches
//   them from the bucket without credentials and paints the result from their pixels, and the
//   webhook's answer must be exactly the PNG the simulator's renderer makes of those two files.
/* global Blob, FormData -- Node's own, as fetch */
import { check, step } from './lib.mjs';
import { activateAndCall, lastExecutionError } from './server.mjs';
import { binaryInWorkflow } from './workflows.mjs';
import { decodePng, encodePng, renderResult } from '../../simulator/png.mjs';

/** Object writes as s3-server.mjs logs them: a PUT, or the POST that completes a multipart upload. */
const isWrite = (r) =>
	(r.method === 'PUT' && !/partNumber=/.test(r.query)) ||
	(r.method === 'POST' && /^uploadId=/.test(r.query));

/** The path of an object as the S3 server logs it. */
const objectPath = (bucket, key) =>
	`/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

/**
 * The object `key` of `bucket`, read without credentials; checks that a workflow wrote it with
 * credentials. Returns its bytes and how it was written.
 */
export async function objectInBucket(s3, bucket, key, label) {
	const path = objectPath(bucket, key);
	const writes = s3.requests().filter((r) => r.path === path && isWrite(r));
	check(
		writes.length === 1 && writes[0].auth && writes[0].status === 200,
		`${label}: the S3 server did not see one upload of ${path} with credentials`,
		s3.requests().slice(-20),
	);
	const response = await fetch(`${s3.url}${path}`);
	check(response.status === 200, `${label}: GET ${path} without credentials: ${response.status}`);
	const bytes = Buffer.from(await response.arrayBuffer());
	const how = writes[0].method === 'PUT' ? 'one PUT' : 'a multipart upload';
	return { bytes, how, contentType: response.headers.get('content-type') };
}

/** A 320x240 picture unlike the simulator's dog (sky, grass, a red box) and a mask over the box. */
export function inputFiles() {
	const [width, height] = [320, 240];
	const image = { width, height, data: Buffer.alloc(width * height * 4) };
	const mask = { width, height, data: Buffer.alloc(width * height * 4) };
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const i = (y * width + x) * 4;
			const box = x >= 120 && x < 200 && y >= 90 && y < 170;
			const sky = [90 + (y >> 2), 150 + (y >> 3), 235];
			const grass = [60, 150 + ((x * 7) % 40), 70];
			const rgb = box ? [200, 30, 40] : y < 150 ? sky : grass;
			image.data.set([...rgb, 255], i);
			const white = x >= 112 && x < 208 && y >= 82 && y < 178;
			mask.data.set(white ? [255, 255, 255, 255] : [0, 0, 0, 255], i);
		}
	}
	return { imagePng: encodePng(image), maskPng: encodePng(mask), width, height };
}

/** One call of the example through its webhook, checked end to end. */
async function fileInRun({ n8n, rest, base, sim, s3, report }, path, node) {
	const { workflow, bucket } = binaryInWorkflow(s3, path, { node });
	const { imagePng, maskPng, width, height } = inputFiles();
	const prompt = `Remove the red box (${node} node)`;
	const submitsBefore = sim.requests().filter((r) => r.endpoint === 'submit').length;
	const answer = await activateAndCall(rest, workflow, async () => {
		const form = new FormData();
		form.append('image', new Blob([imagePng], { type: 'image/png' }), 'photo.png');
		form.append('mask', new Blob([maskPng], { type: 'image/png' }), 'photo-mask.png');
		form.append('prompt', prompt);
		const response = await fetch(`${base}/webhook/${path}`, { method: 'POST', body: form });
		const bytes = Buffer.from(await response.arrayBuffer());
		return { status: response.status, type: response.headers.get('content-type'), bytes };
	});
	const { status, type, bytes: body } = answer;
	const label = `files in (${node} node)`;
	if (status !== 200) {
		const why = await lastExecutionError(rest, n8n, answer.workflowId);
		check(
			false,
			`${label}: the webhook answered ${status}`,
			`${body.toString('utf8', 0, 500)}\n${why}`,
		);
	}
	check(
		type?.startsWith('image/png'),
		`${label}: the answer is ${type}, not an image`,
		body.toString('utf8', 0, 2000),
	);

	// The job the workflow submitted: its links point into the bucket.
	const submits = sim.requests().filter((r) => r.endpoint === 'submit');
	check(submits.length === submitsBefore + 1, `${label}: expected one submit`, submits.slice(-3));
	const { imageUrl, maskUrl, seed } = submits.at(-1).body;
	const keyOf = (url) =>
		url?.startsWith(`${s3.url}/${bucket}/`)
			? decodeURIComponent(url.slice(`${s3.url}/${bucket}/`.length))
			: null;
	const [imageKey, maskKey] = [keyOf(imageUrl), keyOf(maskUrl)];
	check(
		/^inpaint-uploads\/.+-image\.png$/.test(imageKey) &&
			/^inpaint-uploads\/.+-mask\.png$/.test(maskKey),
		`${label}: the submitted links are not the uploaded objects in ${bucket}`,
		{ imageUrl, maskUrl },
	);

	// The simulator read both objects without credentials (as the API reads a public bucket).
	const anonymousReads = (key) =>
		s3.requests().filter((r) => r.method === 'GET' && !r.auth && r.path === objectPath(bucket, key))
			.length;
	for (const key of [imageKey, maskKey])
		check(anonymousReads(key) >= 1, `${label}: nobody read ${key} without credentials`);

	// The objects are the posted files, byte for byte.
	const image = await objectInBucket(s3, bucket, imageKey, label);
	const mask = await objectInBucket(s3, bucket, maskKey, label);
	check(image.bytes.equals(imagePng), `${label}: the image in the bucket is not the posted file`);
	check(mask.bytes.equals(maskPng), `${label}: the mask in the bucket is not the posted file`);

	// The answer is the simulator's painting of those pixels: the sizes and bytes follow the upload.
	const expected = renderResult({
		image: decodePng(imagePng),
		mask: decodePng(maskPng),
		prompt,
		seed: seed ?? 0,
	});
	const got = decodePng(body);
	check(
		got.width === width && got.height === height,
		`${label}: the answer is ${got.width}x${got.height}, the posted image ${width}x${height}`,
	);
	check(
		body.equals(expected),
		`${label}: the answer (${body.length} B) is not the simulator's render of the posted files (${expected.length} B)`,
	);
	report(
		`${label}: POST /webhook/${path} with a ${width}x${height} image and its mask → n8n uploaded both (${image.how}, ${mask.how}) to ${bucket}, the simulator read them without credentials, the answer is the ${width}x${height} PNG rendered from them (${body.length} B, identical)`,
	);
}

/** examples/binary-in-via-s3 in n8n start: with its AWS S3 nodes, and with n8n's S3 node instead. */
export async function binaryInChecks(ctx) {
	const { n8n } = ctx;
	for (const node of ['awsS3', 's3']) {
		await step(
			`${n8n.name}: files in through a bucket (binary-in-via-s3, ${node === 'awsS3' ? 'AWS S3' : 'S3'} node)`,
			() => fileInRun(ctx, `pixazo-file-in-${node.toLowerCase()}-${ctx.port}`, node),
		);
	}
}
