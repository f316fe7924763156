import type {
	IBinaryData,
	IBinaryKeyData,
	IExecuteFunctions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';

import { imageFileName, imageTypeOf } from '../../helpers/imageType';
import type { JobSnapshot } from '../../helpers/jobAnswer';
import { binaryFieldName } from '../../helpers/output';
import { STALL_SHARE } from '../../helpers/tuning';
import { isHttp, parseUrl } from '../../helpers/validate';
import { networkCodeOf } from '../../transport/httpAnswers';
import type { Tried } from '../../transport/request';
import { send } from '../../transport/send';
import type { ImageRef } from './downloadErrors';
import { downloadError, notALinkError, notAnImage, STALLED, tooLarge } from './downloadErrors';
import type { BodyStream, BodyWatch } from './imageBody';
import { peekBody, watchBody } from './imageBody';
import type { ItemRun } from '../itemRun';

/** What n8n's prepareBinaryData takes: a Buffer or a readable stream. */
type BinarySource = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

/** How n8n reports a socket's idle timeout during a body. */
const IDLE_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'TIMEOUT', 'ERR_CANCELED']);

/**
 * Downloads the job's result images into binary fields (data, data_1, …), streamed, so n8n's
 * filesystem binary mode never holds a whole image in memory. Result URLs live on other hosts:
 * the key is not sent, and redirects are followed. Each body must be an image within Max Image
 * Size. When one image fails for good, its siblings are stopped at once.
 */
export async function downloadImages(
	item: ItemRun,
	snapshot: JobSnapshot,
): Promise<IBinaryKeyData> {
	const { run, options } = item;
	const siblings = new AbortController();
	const stopSiblings = () => siblings.abort();
	run.waiter.signal?.addEventListener('abort', stopSiblings, { once: true });
	const open = new Set<BodyStream>();
	siblings.signal.addEventListener('abort', () => open.forEach((body) => body.destroy()), {
		once: true,
	});
	const files: Array<IBinaryData | undefined> = [];
	try {
		await Promise.all(
			snapshot.results.map(async (result, index) => {
				if (!result.imageUrl) return;
				const image = { url: result.imageUrl, index, jobSetId: snapshot.jobSetId };
				files[index] = await downloadImage(item, image, siblings.signal, open);
			}),
		);
	} finally {
		// The first image that fails for good ends the others (a no-op once all are in).
		siblings.abort();
		run.waiter.signal?.removeEventListener('abort', stopSiblings);
	}
	// Keys in result order, whichever download finished first.
	const binary: IBinaryKeyData = {};
	files.forEach((file, index) => {
		if (file) binary[binaryFieldName(options.binaryPropertyName, index)] = file;
	});
	return binary;
}

async function downloadImage(
	item: ItemRun,
	image: ImageRef,
	signal: AbortSignal,
	open: Set<BodyStream>,
): Promise<IBinaryData> {
	const url = parseUrl(image.url);
	if (!isHttp(url)) throw notALinkError(item, image.url, image.jobSetId);
	return await send(item.run, {
		kind: 'download',
		url: url.toString(),
		itemIndex: item.itemIndex,
		// n8n adds the cancel signal only to authenticated requests; a download needs one too.
		http: {
			url: url.toString(),
			method: 'GET',
			encoding: 'stream',
			ignoreHttpStatusErrors: true,
			abortSignal: signal,
		},
		withKey: false,
		policy: item.options,
		giveUp: { after: 'maxRetries' },
		read: async (response) => await storeImage(item, image, url, response, signal, open),
		describe: (failure, tries) => downloadError(item, image, failure, tries),
	});
}

/** Checks that the body is an image within the size bound, and streams it into n8n's binary data. */
async function storeImage(
	item: ItemRun,
	image: ImageRef,
	url: URL,
	response: IN8nHttpFullResponse,
	signal: AbortSignal,
	open: Set<BodyStream>,
): Promise<Tried<IBinaryData>> {
	const { run, options } = item;
	const body = response.body as BodyStream;
	open.add(body);
	let watch: BodyWatch | undefined;
	try {
		const declared = Number(header(response, 'content-length'));
		if (declared > options.maxImageBytes) {
			body.destroy();
			return { failure: tooLarge(image, options.maxImageBytes, declared) };
		}
		watch = watchBody(body, options.maxImageBytes);
		const type = imageTypeOf(await peekBody(body));
		if (!type) {
			body.destroy();
			return { failure: notAnImage(image, header(response, 'content-type').split(';')[0]) };
		}
		const fileName = imageFileName(url, type, image.jobSetId ?? 'inpaint', image.index);
		const source = body as unknown as BinarySource;
		return { value: await run.context.helpers.prepareBinaryData(source, fileName, type.mimeType) };
	} catch (error) {
		if (watch?.exceeded) return { failure: tooLarge(image, options.maxImageBytes) };
		// A cancelled execution, or a sibling that failed, aborts the download: stop here.
		run.waiter.throwIfCancelled();
		if (signal.aborted) return { failure: { kind: 'stopped' } };
		const code = networkCodeOf(error) ?? 'ECONNRESET';
		// A body that broke off about a Request Timeout after its last bytes stopped arriving: n8n's
		// request timeout is the socket's idle timeout, and it ended the body.
		const quietMs = Date.now() - (watch?.lastDataAt ?? Date.now());
		const stalled = quietMs >= STALL_SHARE * options.requestTimeoutMs && IDLE_CODES.has(code);
		return {
			failure: {
				kind: 'network',
				code: stalled ? STALLED : code,
				timeoutMs: options.requestTimeoutMs,
			},
		};
	} finally {
		open.delete(body);
	}
}

function header(response: IN8nHttpFullResponse, name: string): string {
	const value = response.headers?.[name];
	return typeof value === 'string' ? value.trim().toLowerCase() : '';
}
