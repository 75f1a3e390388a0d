/**
 * Chunk encodings of the embedded TSDB: the XOR chunk for the head, the
 * block chunk for immutable blocks. docs/storage-format/chunks.md has the
 * byte layouts.
 */
export { XorChunk, XorIterator, decodeXorChunk } from './xor.js';
export { encodeBlockChunk, decodeBlockChunk, blockChunkNumSamples, BlockChunkIterator } from './block.js';
export type { BlockCompression, BlockEncodeOptions } from './block.js';
export { SampleBuffers } from './samples.js';
