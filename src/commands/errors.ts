export { UsageError } from '../engine/errors.js';
