import { NodeApiError } from 'n8n-workflow';

import type { Failure } from '../../transport/retryRules';
import type { ItemRun } from '../itemRun';

/** A download whose body stopped arriving, told apart from a connection reset. */
export const STALLED = 'ESTALLED';

/** What the download is: which image, of which job. */
export interface ImageRef {
	url: string;
	index: number;
	jobSetId: string | null;
}

/** The error for a result image that could not be downloaded, after `tries` tries. */
export function downloadError(
	item: ItemRun,
	image: ImageRef,
	failure: Failure,
	tries: number,
): NodeApiError {
	const node = item.run.context.getNode();
	const job = image.jobSetId ? ` ${image.jobSetId}` : '';
	if (failure.kind === 'rejected') {
		return new NodeApiError(
			node,
			{ imageUrl: image.url, jobSetId: image.jobSetId ?? '' },
			{ message: failure.message, description: failure.description, itemIndex: item.itemIndex },
		);
	}
	const status = failure.kind === 'status' ? failure.status : undefined;
	const code = failure.kind === 'network' ? failure.code : undefined;
	// A bare network code in the message would make n8n swap the message for its own.
	const what =
		status !== undefined
			? `HTTP ${status}`
			: code === STALLED
				? `no data for ${item.options.requestTimeoutMs / 1000} s`
				: 'network error';
	const codeNote = code && code !== STALLED ? ` (Network error code: ${code}.)` : '';
	return new NodeApiError(
		node,
		{ imageUrl: image.url, ...(status ? { httpStatus: status } : { networkCode: code ?? '' }) },
		{
			message: `Could not download result image ${image.index + 1} (${what})`,
			description: `The job${job} finished, but its image at ${image.url} could not be fetched${tries > 0 ? ` after ${tries + 1} tries` : ''}. Result links expire: run Get Results again soon, or turn off Options > Download Images to pass on the URLs only.${codeNote}`,
			httpCode: status !== undefined ? String(status) : undefined,
			itemIndex: item.itemIndex,
		},
	);
}

/** The API gave a result link the node cannot download. */
export function notALinkError(
	item: ItemRun,
	imageUrl: string,
	jobSetId: string | null,
): NodeApiError {
	return new NodeApiError(
		item.run.context.getNode(),
		{ imageUrl, jobSetId: jobSetId ?? '' },
		{
			message: `The API returned an image link that is not an http(s) URL: ${imageUrl.slice(0, 100)}`,
			description: `The job${jobSetId ? ` ${jobSetId}` : ''} finished, but its result cannot be downloaded. Turn off Options > Download Images to pass the link on as it is.`,
			itemIndex: item.itemIndex,
		},
	);
}

/** What the result URL answered is not an image of a format the node knows. */
export function notAnImage(image: ImageRef, contentType: string): Failure {
	const job = image.jobSetId ? `job ${image.jobSetId}, ` : '';
	return {
		kind: 'rejected',
		message: `The result URL answered ${contentType || 'a body without a type'}, not an image (${job}image ${image.index + 1})`,
		description: `The job finished, but ${image.url} did not send a PNG, JPEG, WebP or GIF image (an error or login page of the image host, perhaps). Open the link to see, run Get Results again later, or turn off Options > Download Images to pass on the URLs only.`,
	};
}

/** The result image is larger than Max Image Size allows. */
export function tooLarge(image: ImageRef, limitBytes: number, sizeBytes?: number): Failure {
	const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
	const size = sizeBytes === undefined ? `more than ${mb(limitBytes)}` : mb(sizeBytes);
	return {
		kind: 'rejected',
		message: `Result image ${image.index + 1} is ${size}, over the ${mb(limitBytes)} of Options > Max Image Size`,
		description: `The download of ${image.url}${image.jobSetId ? ` (job ${image.jobSetId})` : ''} was stopped and what had arrived was discarded. Raise Options > Max Image Size if such images are expected, or turn off Options > Download Images to pass on the URLs only.`,
	};
}
