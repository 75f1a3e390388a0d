/**
 * The parse steps of the protocols whose parsing may run off the main
 * thread, behind one entry: `run(kind, body, args)` → `ParsedSamples`. One
 * host lives in each parse worker, and one on the main thread for inline
 * parsing; each keeps its own series ids per protocol (see
 * common/parsed.ts).
 */
import { ParsedBuilder, SeriesIds, type ParsedSamples } from '../common/parsed.js';
import { InfluxParse, type InfluxParseArgs } from '../influx/stream.js';
import { RemoteWriteParse, type RemoteWriteParseArgs } from '../remotewrite/parse.js';

export interface ParseArgs {
  influx: InfluxParseArgs;
  remote_write: RemoteWriteParseArgs;
}

export type ParseKind = keyof ParseArgs;

export const PARSE_KINDS: readonly ParseKind[] = ['influx', 'remote_write'];

/**
 * Detaches a throwaway buffer. The first detach of any ArrayBuffer in a
 * thread (a transfer to or from a worker) makes V8 throw away all compiled
 * code that uses typed arrays, which then compiles again: done once at a
 * thread's start, before any parse runs, it costs nothing.
 */
export function detachOnce(): void {
  const b = new ArrayBuffer(8);
  structuredClone(b, { transfer: [b] });
}

export class ParserHost {
  readonly #out = new ParsedBuilder();
  readonly #ids: Record<ParseKind, SeriesIds> = { influx: new SeriesIds(), remote_write: new SeriesIds() };
  readonly #influx = new InfluxParse(this.#ids.influx);
  readonly #remoteWrite = new RemoteWriteParse(this.#ids.remote_write);

  /** Forgets every series id (of every protocol): the next parse of each starts a new numbering, marked `reset`. */
  forget(): void {
    for (const k of PARSE_KINDS) this.#ids[k].invalidate();
  }

  run<K extends ParseKind>(kind: K, body: Uint8Array | string, args: ParseArgs[K]): ParsedSamples {
    const out = this.#out;
    try {
      switch (kind) {
        case 'influx':
          this.#influx.run(body, args as InfluxParseArgs, out);
          break;
        case 'remote_write':
          if (typeof body === 'string') throw new TypeError('remote write bodies are bytes');
          this.#remoteWrite.run(body, args as RemoteWriteParseArgs, out);
          break;
        default:
          throw new TypeError(`unknown parse kind ${String(kind)}`);
      }
    } catch (err) {
      // Ids announced by a failed parse never reach the receiver: start a new numbering.
      if (out.newIds.length > 0) this.#ids[kind].invalidate();
      out.finish();
      throw err;
    }
    return out.finish();
  }
}
