/** Which API call failed, for whom: what an error names. */
export interface FailureContext {
	endpoint: 'submit' | 'poll';
	itemIndex: number;
	jobSetId?: string;
	/** Host the request went to: named in connection errors, never with credentials. */
	host: string;
	/** The URL the request went to, to read a relative redirect against. */
	url: string;
	retries: number;
}

export const SUBMIT_NOT_RESENT =
	'The request was not sent again, because the API may have created the job anyway: look in your Pixazo dashboard before running the node again.';

/** The API's own words, from a JSON body or, for an HTML or text page, its visible text. */
export function describeBody(body: unknown): string {
	if (body && typeof body === 'object') {
		const o = body as Record<string, unknown>;
		const words = [o.error, o.message, o.details, o.reason].filter(
			(v): v is string => typeof v === 'string' && v.trim() !== '',
		);
		if (words.length > 0) return words.join(': ');
		return JSON.stringify(body).slice(0, 300);
	}
	if (typeof body !== 'string' || body.trim() === '') return '';
	const text = body
		.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
		.replace(/<[^>]+>/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
	return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** A failed status check names its job, so the user can fetch it later. */
export function withJob(description: string, ctx: FailureContext): string {
	if (ctx.endpoint !== 'poll' || !ctx.jobSetId || description.includes(ctx.jobSetId))
		return description;
	return `${description} Job Set ID: ${ctx.jobSetId}.`;
}
