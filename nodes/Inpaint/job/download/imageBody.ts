import { SIGNATURE_BYTES } from '../../helpers/imageType';

/** The parts of a response body stream (a Node.js Readable) the download uses. */
export interface BodyStream {
	read(): unknown;
	unshift(chunk: Buffer): void;
	push(chunk: unknown, encoding?: string): boolean;
	once(event: string, listener: (...args: unknown[]) => void): unknown;
	off(event: string, listener: (...args: unknown[]) => void): unknown;
	destroy(error?: Error): unknown;
	resume?(): unknown;
	readonly readableEnded?: boolean;
	/** Bytes already in the stream's buffer, not read yet. */
	readonly readableLength?: number;
}

/** The body grew past the size bound: it was cut off. */
class TooLarge extends Error {
	constructor(readonly limit: number) {
		super(`The body grew past ${limit} bytes`);
	}
}

/** What arrived of a body so far. */
export interface BodyWatch {
	readonly exceeded: boolean;
	/** When the last bytes arrived (or the watch began). */
	readonly lastDataAt: number;
}

/**
 * Watches the body as its bytes enter the stream (its `push`), whoever reads them and however:
 * when the last ones came, and, once more than `limit` bytes have arrived, cuts it off: the
 * stream is destroyed with TooLarge, so whatever n8n was storing from it fails and is removed.
 */
export function watchBody(stream: BodyStream, limit: number): BodyWatch {
	// What arrived with the headers is already in the stream's buffer.
	let received = stream.readableLength ?? 0;
	const state = { exceeded: false, lastDataAt: Date.now() };
	const push = stream.push.bind(stream);
	stream.push = (chunk: unknown, encoding?: string) => {
		if (chunk !== null && chunk !== undefined) {
			state.lastDataAt = Date.now();
			received += Buffer.isBuffer(chunk) ? chunk.length : Buffer.byteLength(String(chunk));
			if (received > limit) {
				state.exceeded = true;
				stream.destroy(new TooLarge(limit));
				return false;
			}
		}
		return push(chunk, encoding);
	};
	return state;
}

/**
 * The first SIGNATURE_BYTES bytes of the body (fewer if it ends before), put back so the body
 * is read whole afterwards.
 */
export async function peekBody(stream: BodyStream): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let length = 0;
	while (length < SIGNATURE_BYTES) {
		const chunk = stream.read();
		if (chunk !== null && chunk !== undefined) {
			const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
			chunks.push(bytes);
			length += bytes.length;
			continue;
		}
		if (stream.readableEnded || !(await moreToRead(stream))) break;
	}
	const head = Buffer.concat(chunks);
	if (length >= SIGNATURE_BYTES) stream.unshift(head);
	return head.subarray(0, SIGNATURE_BYTES);
}

/** Resolves true when more can be read, false at the end; rejects when the stream fails. */
async function moreToRead(stream: BodyStream): Promise<boolean> {
	return await new Promise<boolean>((resolve, reject) => {
		const settle = (action: () => void) => {
			stream.off('readable', onReadable);
			stream.off('end', onEnd);
			stream.off('error', onError);
			stream.off('close', onClose);
			action();
		};
		const onReadable = () => settle(() => resolve(true));
		const onEnd = () => settle(() => resolve(false));
		const onError = (error: unknown) => settle(() => reject(error));
		const onClose = () =>
			settle(() =>
				reject(Object.assign(new Error('The body ended early'), { code: 'ECONNRESET' })),
			);
		stream.once('readable', onReadable);
		stream.once('end', onEnd);
		stream.once('error', onError);
		stream.once('close', onClose);
	});
}
