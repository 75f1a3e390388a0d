/**
 * The server's components, in start order (see component.ts). Add a
 * subsystem by appending its factory here.
 */
import type { ComponentFactory } from './component.js';

export const COMPONENTS: readonly ComponentFactory[] = [];
