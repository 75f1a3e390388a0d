import { storageConformance } from './conformance.js';
import { MemoryStorage } from './memory.js';

storageConformance('memory (reference)', {
  open: async () => new MemoryStorage(),
  skips: { 'data survives close and reopen': 'the in-memory reference is not durable' },
});
