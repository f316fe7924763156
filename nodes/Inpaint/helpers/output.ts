import type { IDataObject } from 'n8n-workflow';

import type { JobSnapshot } from './jobAnswer';

/**
 * The item a finished, handed-over or still-running job becomes. Workflows read these fields by
 * name, so they never change: status, jobSetId, imageUrl, imageUrls, results, raw.
 */
export function toOutputJson(snapshot: JobSnapshot): IDataObject {
	const imageUrls = snapshot.results
		.map((r) => r.imageUrl)
		.filter((url): url is string => typeof url === 'string');
	return {
		status: snapshot.state === 'succeeded' ? 'succeeded' : snapshot.status,
		jobSetId: snapshot.jobSetId,
		imageUrl: imageUrls[0] ?? null,
		imageUrls,
		results: snapshot.results,
		raw: snapshot.raw,
	};
}

/** A model reads every field it is given: the API's raw answer only repeats the URLs. */
export function forModel(json: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(json).filter(([key]) => key !== 'raw'));
}

/** A failed item under Continue On Fail: the error, and the job the API had accepted for it, if any. */
export function toErrorJson(
	error: { message: string; description?: string | null },
	httpCode: number | null,
	job: { jobSetId: string; status: string } | undefined,
): IDataObject {
	return {
		error: error.message,
		description: error.description ?? null,
		httpCode,
		jobSetId: job?.jobSetId ?? null,
		status: job?.status ?? null,
	};
}

/** The binary field of the result image at `index`: `data`, `data_1`, `data_2`… */
export function binaryFieldName(base: string, index: number): string {
	return index === 0 ? base : `${base}_${index}`;
}
