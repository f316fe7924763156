import type {
	IBinaryKeyData,
	IExecuteFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { ResultImage } from './normalize';
import type { RunOptions } from './options';
import { PAST_DEADLINE } from '../transport/pacer';
import type { Transport } from '../transport/request';
import { networkCodeOf } from '../transport/responses';
import {
	backoffMs,
	isRetryableNetworkError,
	isRetryableStatus,
	parseRetryAfter,
} from '../transport/retryPolicy';

/** What n8n's prepareBinaryData takes: a Buffer or a readable stream. */
type BinarySource = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

const EXTENSION_MIME: Record<string, string> = {
	png: 'image/png',
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	webp: 'image/webp',
	gif: 'image/gif',
};

export interface DownloadTarget {
	itemIndex: number;
	jobSetId: string | null;
	options: RunOptions;
}

function parseHttpUrl(text: string): URL | undefined {
	try {
		const url = new URL(text);
		return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
	} catch {
		return undefined;
	}
}

/** `data`, `data_1`, `data_2`… */
export function binaryKey(base: string, index: number): string {
	return index === 0 ? base : `${base}_${index}`;
}

function decoded(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text; // a malformed % escape: the name is used as it is
	}
}

function fileNameFor(
	url: URL,
	target: DownloadTarget,
	index: number,
): { fileName: string; extension: string } {
	const last = decoded(url.pathname.split('/').pop() ?? '');
	const match = /^[\w.-]+\.(png|jpe?g|webp|gif)$/i.exec(last);
	if (match) return { fileName: last, extension: match[1].toLowerCase() };
	return { fileName: `${target.jobSetId ?? 'inpaint'}-${index + 1}.png`, extension: 'png' };
}

function mimeTypeFor(header: unknown, extension: string): string {
	const type = typeof header === 'string' ? header.split(';')[0].trim().toLowerCase() : '';
	if (type.startsWith('image/')) return type;
	return EXTENSION_MIME[extension] ?? 'image/png';
}

type Stream = BinarySource & {
	destroy?: (error?: Error) => void;
	resume?: () => void;
};

/**
 * A download whose body stopped arriving. n8n's request timeout is the socket's idle timeout, so
 * it also ends a body that stalls after the headers; n8n reports that as a reset connection.
 */
const STALLED = 'ESTALLED';

/** How n8n reports a socket's idle timeout during a body. */
const IDLE_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'TIMEOUT', 'ERR_CANCELED']);

interface Failure {
	status?: number;
	code?: string;
	pauseMs?: number;
}

function failureError(
	t: Transport,
	url: URL,
	index: number,
	attempt: number,
	failure: Failure,
	target: DownloadTarget,
): NodeApiError {
	// A bare network code in the message would make n8n swap the message for its own.
	const what =
		failure.status !== undefined
			? `HTTP ${failure.status}`
			: failure.code === STALLED
				? `no data for ${target.options.requestTimeoutMs / 1000} s`
				: 'network error';
	return new NodeApiError(
		t.fx.getNode(),
		{
			imageUrl: url.toString(),
			...(failure.status ? { httpStatus: failure.status } : { networkCode: failure.code ?? '' }),
		},
		{
			message: `Could not download result image ${index + 1} (${what})`,
			description: `The job finished, but its image at ${url.toString()} could not be fetched${attempt > 0 ? ` after ${attempt + 1} tries` : ''}. Result links expire: run Get Results again soon, or turn off Options > Download Images to pass on the URLs only.${failure.code && failure.code !== STALLED ? ` (Network error code: ${failure.code}.)` : ''}`,
			httpCode: failure.status !== undefined ? String(failure.status) : undefined,
			itemIndex: target.itemIndex,
		},
	);
}

/**
 * Downloads the result images into binary fields, streamed so n8n's filesystem binary mode never
 * holds a whole image in memory. Result URLs live on public CDN hosts: the key is not sent, and
 * redirects are followed. When one image fails for good, its siblings are aborted at once.
 */
export async function downloadImages(
	t: Transport,
	results: ResultImage[],
	target: DownloadTarget,
): Promise<IBinaryKeyData> {
	const files: IBinaryKeyData[string][] = [];
	const node = t.fx.getNode();
	const siblings = new AbortController();
	const stopSiblings = () => siblings.abort();
	t.waiter.signal?.addEventListener('abort', stopSiblings, { once: true });
	const open = new Set<Stream>();
	siblings.signal.addEventListener('abort', () => open.forEach((stream) => stream.destroy?.()), {
		once: true,
	});
	const { options } = target;

	const downloadOne = async (result: ResultImage, index: number): Promise<void> => {
		if (!result.imageUrl) return;
		const url = parseHttpUrl(result.imageUrl);
		if (!url) {
			siblings.abort();
			throw new NodeApiError(
				node,
				{ imageUrl: result.imageUrl, jobSetId: target.jobSetId ?? '' },
				{
					message: `The API returned an image link that is not an http(s) URL: ${result.imageUrl.slice(0, 100)}`,
					description: `The job${target.jobSetId ? ` ${target.jobSetId}` : ''} finished, but its result cannot be downloaded. Turn off Options > Download Images to pass the link on as it is.`,
					itemIndex: target.itemIndex,
				},
			);
		}
		const { fileName, extension } = fileNameFor(url, target, index);
		const request: IHttpRequestOptions = {
			method: 'GET',
			url: url.toString(),
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: options.requestTimeoutMs,
			// n8n adds the cancel signal only to authenticated requests; a download needs it too.
			abortSignal: siblings.signal,
		};
		for (let attempt = 0; ; attempt++) {
			let failure: Failure | undefined;
			const lease = await t.pacer.acquire(url.host, 'check', () => Infinity);
			if (lease === PAST_DEADLINE) return; // never: downloads wait without a deadline
			let stream: Stream | undefined;
			let bodyFrom: number | undefined;
			try {
				const response = (await t.fx.helpers.httpRequest(request)) as IN8nHttpFullResponse;
				stream = response.body as Stream;
				if (response.statusCode < 200 || response.statusCode >= 300) {
					stream.resume?.();
					const asked = parseRetryAfter(response.headers?.['retry-after']);
					failure = {
						status: response.statusCode,
						pauseMs: Math.min(asked ?? 0, options.maxRetryAfterMs),
					};
				} else {
					open.add(stream);
					const mimeType = mimeTypeFor(response.headers?.['content-type'], extension);
					bodyFrom = Date.now();
					files[index] = await t.fx.helpers.prepareBinaryData(stream, fileName, mimeType);
					return;
				}
			} catch (error) {
				// A cancelled execution, or a sibling that failed, aborts the request: stop here.
				t.waiter.throwIfCancelled();
				if (siblings.signal.aborted) return;
				const code = networkCodeOf(error) ?? 'ECONNRESET';
				// A body that broke off once the Request Timeout had passed since the headers came is one
				// that stopped arriving: the socket's idle timeout ended it.
				const idle =
					bodyFrom !== undefined &&
					Date.now() - bodyFrom >= options.requestTimeoutMs &&
					IDLE_CODES.has(code);
				failure = { code: idle ? STALLED : code };
			} finally {
				if (stream) open.delete(stream);
				const status = failure?.status;
				lease.settle(
					status === 429
						? 'limited'
						: failure && (status === undefined || status >= 500)
							? 'failed'
							: 'accepted',
					failure?.pauseMs,
				);
			}
			const retryable =
				failure.status !== undefined
					? isRetryableStatus('download', failure.status)
					: isRetryableNetworkError('download', failure.code ?? '');
			if (attempt >= options.maxRetries || !retryable) {
				siblings.abort();
				throw failureError(t, url, index, attempt, failure, target);
			}
			if (failure.status !== 429)
				await t.waiter.wait(backoffMs(attempt, options.retryDelayMs, 30_000));
		}
	};

	try {
		await Promise.all(results.map(downloadOne));
	} finally {
		t.waiter.signal?.removeEventListener('abort', stopSiblings);
	}
	// Keys in result order (data, data_1, …), whichever download finished first.
	const binary: IBinaryKeyData = {};
	files.forEach((file, index) => {
		if (file) binary[binaryKey(options.binaryPropertyName, index)] = file;
	});
	return binary;
}
