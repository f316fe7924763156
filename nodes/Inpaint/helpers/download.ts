import type { IBinaryKeyData, IExecuteFunctions, IHttpRequestOptions, IN8nHttpFullResponse } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { ResultImage } from './normalize';
import type { RunOptions } from './options';
import type { Transport } from '../transport/request';
import { networkCodeOf } from '../transport/request';
import { backoffMs, isRetryableNetworkError, isRetryableStatus } from '../transport/retryPolicy';

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

function fileNameFor(url: URL, target: DownloadTarget, index: number): { fileName: string; extension: string } {
	const last = decodeURIComponent(url.pathname.split('/').pop() ?? '');
	const match = /^[\w.-]+\.(png|jpe?g|webp|gif)$/i.exec(last);
	if (match) return { fileName: last, extension: match[1].toLowerCase() };
	return { fileName: `${target.jobSetId ?? 'inpaint'}-${index + 1}.png`, extension: 'png' };
}

function mimeTypeFor(header: unknown, extension: string): string {
	const type = typeof header === 'string' ? header.split(';')[0].trim().toLowerCase() : '';
	if (type.startsWith('image/')) return type;
	return EXTENSION_MIME[extension] ?? 'image/png';
}

/**
 * Downloads the result images into binary fields, streamed so n8n's filesystem binary mode never
 * holds a whole image in memory. Result URLs live on public CDN hosts: the key is not sent.
 */
export async function downloadImages(
	t: Transport,
	results: ResultImage[],
	target: DownloadTarget,
): Promise<IBinaryKeyData> {
	const files: IBinaryKeyData[string][] = [];
	const node = t.fx.getNode();
	await Promise.all(
		results.map(async (result, index) => {
			if (!result.imageUrl) return;
			const url = parseHttpUrl(result.imageUrl);
			if (!url) {
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
				timeout: target.options.requestTimeoutMs,
				// n8n adds the cancel signal only to authenticated requests; a download needs it too.
				abortSignal: t.waiter.signal,
			};
			for (let attempt = 0; ; attempt++) {
				const canRetry = attempt < target.options.maxRetries;
				let failure: { status?: number; code?: string } | undefined;
				try {
					const data = await t.gate.run(url.host, async () => {
						const response = (await t.fx.helpers.httpRequest(request)) as IN8nHttpFullResponse;
						const stream = response.body as BinarySource;
						if (response.statusCode < 200 || response.statusCode >= 300) {
							if ('resume' in stream) stream.resume();
							failure = { status: response.statusCode };
							return undefined;
						}
						const mimeType = mimeTypeFor(response.headers?.['content-type'], extension);
						return await t.fx.helpers.prepareBinaryData(stream, fileName, mimeType);
					});
					if (data && typeof data === 'object') {
						files[index] = data;
						return;
					}
				} catch (error) {
					// A cancelled execution aborts the request: stop here instead of retrying.
			t.waiter.throwIfCancelled();
					failure = { code: networkCodeOf(error) ?? 'ECONNRESET' };
				}
				const retryable =
					failure?.status !== undefined
						? isRetryableStatus('download', failure.status)
						: isRetryableNetworkError('download', failure?.code ?? '');
				if (!canRetry || !retryable) {
					// A bare network code in the message would make n8n swap the message for its own.
					const what = failure?.status !== undefined ? `HTTP ${failure.status}` : 'network error';
					throw new NodeApiError(
						node,
						{ imageUrl: url.toString(), ...(failure?.status ? { httpStatus: failure.status } : { networkCode: failure?.code ?? '' }) },
						{
							message: `Could not download result image ${index + 1} (${what})`,
							description: `The job finished, but its image at ${url.toString()} could not be fetched${attempt > 0 ? ` after ${attempt + 1} tries` : ''}. Result links expire: run Get Results again soon, or turn off Options > Download Images to pass on the URLs only.${failure?.code ? ` (Network error code: ${failure.code}.)` : ''}`,
							httpCode: failure?.status !== undefined ? String(failure.status) : undefined,
							itemIndex: target.itemIndex,
						},
					);
				}
				await t.waiter.wait(backoffMs(attempt, target.options.retryDelayMs, 30_000));
			}
		}),
	);
	// Keys in result order (data, data_1, …), whichever download finished first.
	const binary: IBinaryKeyData = {};
	files.forEach((file, index) => {
		if (file) binary[binaryKey(target.options.binaryPropertyName, index)] = file;
	});
	return binary;
}
