/**
 * Loads the function family files, which register their implementations
 * into the catalogue. Imported once by the engine's entry point.
 */
import '../functions/range.js';
import '../functions/math.js';
import '../functions/labels.js';
import '../functions/misc.js';
import '../functions/histogram.js';
